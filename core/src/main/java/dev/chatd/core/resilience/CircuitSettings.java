package dev.chatd.core.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * When one provider's circuit opens and closes: it opens when at least
 * {@code failureRatioPercent} of the last {@code volume} requests failed on the upstream's side
 * (a request with retries counts once, with its last outcome),
 * stays open for {@code openTime}, then lets one trial call through at a time (half-open) and
 * closes after {@code successThreshold} of them succeeded.
 */
public record CircuitSettings(int failureRatioPercent, int volume, Duration openTime, int successThreshold) {
    /**
     * Opens when 80% of the last 20 requests failed, for 30 s; one good trial closes it. Counted
     * per request, after its retries. Lenient on purpose: a provider that fails now and then
     * (a 500 on one odd request) keeps serving; one that is down opens within 20 requests.
     */
    public static final CircuitSettings DEFAULTS = new CircuitSettings(80, 20, Duration.ofSeconds(30), 1);

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
