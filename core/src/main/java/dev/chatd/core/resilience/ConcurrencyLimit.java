package dev.chatd.core.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * chatd's own cap on calls in flight to one provider (a bulkhead), for an upstream with a hard
 * concurrency cap of its own: a call waits at most {@code maxQueueWait} for a free place, then is
 * refused with a 429. A stream holds its place until it ends.
 *
 * @param maxConcurrent calls in flight at most; 0 for no limit
 */
public record ConcurrencyLimit(int maxConcurrent, Duration maxQueueWait) {
    /** No limit. */
    public static final ConcurrencyLimit NONE = new ConcurrencyLimit(0, Duration.ofSeconds(5));

    public ConcurrencyLimit {
        Objects.requireNonNull(maxQueueWait, "maxQueueWait");
        if (maxConcurrent < 0) {
            throw new IllegalArgumentException("max-concurrent must be 0 (no limit) or more, not " + maxConcurrent);
        }
    }

    public boolean limited() {
        return maxConcurrent > 0;
    }
}
