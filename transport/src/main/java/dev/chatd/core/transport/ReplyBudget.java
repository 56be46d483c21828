package dev.chatd.core.transport;

import dev.chatd.api.ChatException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes every upstream reply in flight may hold at once, shared by all of them: reply
 * bodies being read, and stream lines past a small allowance. One reply stays under
 * {@code chatd.max-reply-bytes}, but many at once could still fill the heap; a reply that
 * cannot get its share fails at once instead of taking the process down.
 */
final class ReplyBudget {
    private final long total;
    private final AtomicLong used = new AtomicLong();

    ReplyBudget(long total) {
        this.total = total;
    }

    long total() {
        return total;
    }

    long used() {
        return used.get();
    }

    /**
     * A share that starts empty and grows as its reply does; close it to give the bytes back.
     * {@code limit} names the limit on each such reply, for the message when the budget is full.
     */
    Share share(String provider, String limit) {
        return new Share(provider, limit);
    }

    private boolean tryTake(long bytes) {
        long now;
        do {
            now = used.get();
            if (now + bytes > total) {
                return false;
            }
        } while (!used.compareAndSet(now, now + bytes));
        return true;
    }

    /** One reply's part of the budget. Closing it gives the bytes back for good: it takes none after that. */
    final class Share implements AutoCloseable {
        private final String provider;
        private final String limit;
        private long held;
        private boolean closed;

        private Share(String provider, String limit) {
            this.provider = provider;
            this.limit = limit;
        }

        /**
         * Makes the share {@code bytes} large.
         *
         * @throws ChatException.UpstreamFailure when the budget has no room for it now
         */
        synchronized void resize(long bytes) {
            if (closed) {
                return;
            }
            long delta = bytes - held;
            if (delta > 0 && !tryTake(delta)) {
                throw new ChatException.UpstreamFailure("chatd is already holding " + used.get() + " bytes of upstream"
                        + " replies, as much as it lets all replies in flight hold at once (a quarter of its heap; "
                        + limit
                        + "), so it cannot read more of " + provider + "'s reply now; try again shortly");
            }
            if (delta < 0) {
                used.addAndGet(delta);
            }
            held = bytes;
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (held > 0) {
                used.addAndGet(-held);
                held = 0;
            }
        }
    }
}
