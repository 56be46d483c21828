package dev.chatd.core.resilience;

/**
 * What the {@link Dispatcher} tells whoever counts it (metrics, logs). Every method has a no-op
 * default; implementations must be quick and must not throw, as they run on the request's path.
 * No argument ever carries a key or a token.
 */
public interface ResilienceEvents {
    /** Listens to nothing. */
    ResilienceEvents NONE = new ResilienceEvents() {};

    /**
     * A call to {@code provider} failed and is tried again.
     *
     * @param reason what failed: {@code http_503}, {@code connection}, {@code timeout}, {@code rate_limited}, ...
     */
    default void retried(String provider, String reason) {}

    /**
     * A request for {@code alias} moved on from one target model to the next.
     *
     * @param reason why: a failure's reason as in {@link #retried}, or {@code circuit_open},
     *     {@code concurrency_limit}, {@code provider_not_found}, {@code provider_disabled}
     */
    default void fellBack(String alias, String from, String to, String reason) {}

    /**
     * The provider's circuit changed state.
     *
     * @param state {@code closed}, {@code open} or {@code half_open}
     */
    default void circuitChanged(String provider, String state) {}
}
