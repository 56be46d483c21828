package dev.chatd.core.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * How often and how patiently one provider's failed calls are tried again, before the first byte
 * reaches the client: at most {@code maxAttempts} calls in all, waiting an exponential backoff
 * with jitter between them, from {@code initialBackoff} doubling up to {@code maxBackoff}.
 *
 * @param maxAttempts calls in all, the first included; 1 turns retries off
 */
public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    /** 3 calls, 250 ms then 500 ms apart (before jitter), never more than 4 s apart. */
    public static final RetrySettings DEFAULTS = new RetrySettings(3, Duration.ofMillis(250), Duration.ofSeconds(4));

    public RetrySettings {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max-attempts must be at least 1, not " + maxAttempts);
        }
    }

    /**
     * The wait before call {@code attempt + 1}: half the exponential delay plus a random part of
     * the other half ("equal jitter"), so that clients failed together do not retry together.
     *
     * @param random a number in [0, 1)
     */
    Duration backoff(int attempt, double random) {
        long initial = Math.max(0, initialBackoff.toMillis());
        long cap = Math.max(initial, maxBackoff.toMillis());
        long exponential = initial << Math.min(attempt - 1, 30);
        long delay = Math.min(cap, exponential < 0 ? cap : exponential);
        return Duration.ofMillis(delay / 2 + (long) (random * (delay - delay / 2)));
    }
}
