package dev.chatd.core.transport;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The time one client request spent waiting on upstreams, summed over all its calls: connecting,
 * sending, waiting for the reply and reading it (for a stream: until the headers, then each
 * line). {@link HelidonTransport} adds to the wait bound to the calling thread, so the server can
 * tell its own overhead from the upstream's time. Thread-safe: a stream is opened on one thread
 * and read on another.
 */
public final class UpstreamWait {
    private static final ThreadLocal<UpstreamWait> CURRENT = new ThreadLocal<>();

    private final LongAdder nanos = new LongAdder();

    private UpstreamWait() {}

    /** A new wait, bound to this thread until {@link #end()}. */
    public static UpstreamWait begin() {
        UpstreamWait wait = new UpstreamWait();
        CURRENT.set(wait);
        return wait;
    }

    /** Unbinds this wait from the thread (one thread serves many requests in turn). */
    public void end() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }

    /** The wait bound to this thread; null outside a request. */
    public static UpstreamWait current() {
        return CURRENT.get();
    }

    /** Runs {@code work} on this thread with this wait bound (a stream opened on a thread of its own). */
    public <T> T during(Supplier<T> work) {
        UpstreamWait previous = CURRENT.get();
        CURRENT.set(this);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** The total so far, in nanoseconds. */
    public long nanos() {
        return nanos.sum();
    }

    /** Adds to the wait bound to this thread, if any. */
    static void addToCurrent(long elapsedNanos) {
        UpstreamWait wait = CURRENT.get();
        if (wait != null) {
            wait.add(elapsedNanos);
        }
    }

    void add(long elapsedNanos) {
        nanos.add(elapsedNanos);
    }
}
