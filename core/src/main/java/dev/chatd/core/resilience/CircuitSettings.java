package dev.chatd.core.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * When one provider's circuit opens and closes: it opens when at least
 * {@code failureRatioPercent} of the last {@code volume} calls failed on the upstream's side,
 * stays open for {@code openTime}, then lets one trial call through at a time (half-open) and
 * closes after {@code successThreshold} of them succeeded.
 */
public record CircuitSettings(int failureRatioPercent, int volume, Duration openTime, int successThreshold) {
    /** Opens at 50% failures over the last 10 calls, for 30 s; one good trial closes it. */
    public static final CircuitSettings DEFAULTS = new CircuitSettings(50, 10, Duration.ofSeconds(30), 1);

    public CircuitSettings {
        Objects.requireNonNull(openTime, "openTime");
        if (failureRatioPercent < 1 || failureRatioPercent > 100) {
            throw new IllegalArgumentException(
                    "failure-ratio-percent must be between 1 and 100, not " + failureRatioPercent);
        }
        if (volume < 1 || successThreshold < 1) {
            throw new IllegalArgumentException("volume and success-threshold must be at least 1");
        }
    }
}
