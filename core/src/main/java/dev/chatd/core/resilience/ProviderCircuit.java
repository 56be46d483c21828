package dev.chatd.core.resilience;

import dev.chatd.api.ChatException;
import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One provider's circuit: Helidon's {@link CircuitBreaker}, which counts only the upstream's
 * own failures (5xx, timeouts, lost connections: {@link Failure#countsAgainstProvider()}); a
 * caller's 4xx, a 429 and a reply refused for chatd's own limits count as calls that went well.
 * Helidon has no listener for state changes, so this class compares the state before and after
 * each call and when asked, and reports a change once.
 */
final class ProviderCircuit {
    private final String provider;
    private final CircuitBreaker breaker;
    private final Duration openTime;
    private final ResilienceEvents events;
    private CircuitBreaker.State reported = CircuitBreaker.State.CLOSED;
    private volatile Instant retryAt = Instant.EPOCH;

    ProviderCircuit(String provider, CircuitSettings settings, ResilienceEvents events) {
        this.provider = provider;
        this.openTime = settings.openTime();
        this.events = events;
        this.breaker = CircuitBreaker.builder()
                .name("chatd-" + provider)
                .errorRatio(settings.failureRatioPercent())
                .volume(settings.volume())
                .delay(settings.openTime())
                .successThreshold(settings.successThreshold())
                .applyOn(Set.of(ChatException.UpstreamFailure.class, ChatException.UpstreamTimeout.class))
                .skipOn(Set.of(NotCounted.class))
                .build();
    }

    /** Whether calls are refused now (open; a half-open circuit lets a trial through). */
    boolean refusing() {
        observe();
        return breaker.state() == CircuitBreaker.State.OPEN;
    }

    /**
     * Calls {@code call} through the circuit.
     *
     * @throws ChatException.ProviderUnavailable when the circuit is open, or half-open with its trial call under way
     */
    <T> T invoke(Supplier<T> call) {
        observe();
        try {
            return breaker.invoke(() -> {
                try {
                    return call.get();
                } catch (ChatException e) {
                    throw Failure.of(e).countsAgainstProvider() ? e : new NotCounted(e);
                }
            });
        } catch (CircuitBreakerOpenException e) {
            throw unavailable();
        } catch (NotCounted e) {
            throw e.failure;
        } finally {
            observe();
        }
    }

    /** Carries a failure past the breaker without counting it. */
    private static final class NotCounted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final transient ChatException failure;

        NotCounted(ChatException failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    /** The refusal of a call while the circuit is open. */
    ChatException.ProviderUnavailable unavailable() {
        Instant at = retryAt;
        long seconds = Math.max(1, Duration.between(Instant.now(), at).toSeconds() + 1);
        String when = breaker.state() == CircuitBreaker.State.HALF_OPEN
                ? "a trial request is under way"
                : "it will be tried again at " + at + " (in about " + seconds + " s)";
        return new ChatException.ProviderUnavailable(
                "provider '" + provider + "' is unavailable: its circuit is open after repeated upstream failures; "
                        + when,
                Long.toString(seconds));
    }

    /** {@code closed}, {@code open} or {@code half_open}. */
    String state() {
        observe();
        return name(breaker.state());
    }

    private void observe() {
        CircuitBreaker.State now = breaker.state();
        synchronized (this) {
            if (now == reported) {
                return;
            }
            if (now == CircuitBreaker.State.OPEN) {
                retryAt = Instant.now().plus(openTime);
            }
            reported = now;
        }
        events.circuitChanged(provider, name(now));
    }

    private static String name(CircuitBreaker.State state) {
        return state.name().toLowerCase(Locale.ROOT);
    }
}
