package dev.chatd.core.resilience;

import dev.chatd.api.ChatException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One provider's places for calls in flight (a bulkhead with a bounded wait). Hand-written over
 * a fair {@link Semaphore} rather than Helidon's {@code Bulkhead}: that one releases its place
 * when the supplier returns, so a stream would give its place back while it still runs, and its
 * queue waits without a time limit.
 */
final class ProviderPermits {
    private final String provider;
    private final ConcurrencyLimit limit;
    private final Semaphore places;

    ProviderPermits(String provider, ConcurrencyLimit limit) {
        this.provider = provider;
        this.limit = limit;
        this.places = limit.limited() ? new Semaphore(limit.maxConcurrent(), true) : null;
    }

    /** One place, held until {@link #close}; closing twice gives it back once. */
    static final class Permit implements AutoCloseable {
        private final Semaphore places;
        private final AtomicBoolean held = new AtomicBoolean(true);

        private Permit(Semaphore places) {
            this.places = places;
        }

        @Override
        public void close() {
            if (held.compareAndSet(true, false) && places != null) {
                places.release();
            }
        }
    }

    /** A place, waiting at most the limit's queue wait; empty when none came free in time. */
    Optional<Permit> acquire() {
        if (places == null) {
            return Optional.of(new Permit(null));
        }
        try {
            return places.tryAcquire(limit.maxQueueWait().toMillis(), TimeUnit.MILLISECONDS)
                    ? Optional.of(new Permit(places))
                    : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException.UpstreamFailure("interrupted while waiting for a place to call " + provider);
        }
    }

    /** The 429 for a call that found no place in time. */
    ChatException.RateLimited full() {
        Duration wait = limit.maxQueueWait();
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return new ChatException.RateLimited(
                "chatd's own limit of " + limit.maxConcurrent() + " concurrent requests to provider '" + provider
                        + "' was reached (chatd.providers." + provider
                        + ".max-concurrent) and no place came free within "
                        + wait.toMillis() + " ms; retry later",
                Long.toString(seconds));
    }
}
