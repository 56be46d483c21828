package dev.chatd.core.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything the {@link Dispatcher} does around one provider's calls.
 *
 * @param deadline the overall time one request may spend on this provider, retries and backoff
 *     included (the provider's timeout); a retry that would not fit is not made
 */
public record ProviderPolicy(
        RetrySettings retry, CircuitSettings circuit, ConcurrencyLimit concurrency, Duration deadline) {
    public ProviderPolicy {
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(circuit, "circuit");
        Objects.requireNonNull(concurrency, "concurrency");
        Objects.requireNonNull(deadline, "deadline");
    }
}
