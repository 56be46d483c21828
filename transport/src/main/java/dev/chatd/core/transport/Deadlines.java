package dev.chatd.core.transport;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One timer thread for every upstream call's deadline (a non-streamed exchange on a kept
 * connection, a stream's opening) and a client's first keep-alive, instead of a thread waiting
 * per call: a deadline that is met is cancelled and never runs. Its tasks must be short (one
 * that may block, such as closing a TLS connection, starts a thread of its own): they all
 * share the one thread.
 */
public final class Deadlines {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private Deadlines() {}

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "chatd-upstream-deadlines");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // met deadlines leave nothing behind
        return timer;
    }

    /** Runs {@code action} after {@code delay} unless cancelled first. */
    public static ScheduledFuture<?> after(Duration delay, Runnable action) {
        return TIMER.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code action} at {@code nanoTime} (System.nanoTime()) unless cancelled first. */
    static ScheduledFuture<?> at(long nanoTime, Runnable action) {
        return TIMER.schedule(action, nanoTime - System.nanoTime(), TimeUnit.NANOSECONDS);
    }
}
