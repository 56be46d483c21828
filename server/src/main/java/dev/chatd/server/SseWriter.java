package dev.chatd.server;

import dev.chatd.core.json.JsonCodec;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes server-sent events to one response, flushing each as it is written. While nothing is
 * written for a keep-alive interval, a comment line goes out so that proxies do not cut a
 * connection to a slow model. When a write fails (the client went away), {@code onBroken} runs
 * once, so the upstream call can be cancelled at once.
 */
final class SseWriter implements AutoCloseable {
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private final Runnable onBroken;
    private final ScheduledFuture<?> keepAlive;
    private final long keepAliveNanos;
    private volatile long lastWrite = System.nanoTime();
    private volatile boolean broken;

    private SseWriter(OutputStream out, ScheduledExecutorService scheduler, Duration interval, Runnable onBroken) {
        this.out = out;
        this.onBroken = onBroken;
        this.keepAliveNanos = interval.toNanos();
        long period = Math.max(interval.toMillis() / 2, 10);
        this.keepAlive = scheduler.scheduleWithFixedDelay(this::keepAlive, period, period, TimeUnit.MILLISECONDS);
    }

    /** Commits a 200 {@code text/event-stream} response and returns its writer. */
    static SseWriter open(ServerResponse res, ScheduledExecutorService scheduler, Duration keepAlive, Runnable onBroken) {
        res.status(Status.OK_200);
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8"));
        res.header(HeaderValues.create(HeaderNames.CACHE_CONTROL, "no-cache"));
        res.header("X-Accel-Buffering", "no");
        return new SseWriter(res.outputStream(), scheduler, keepAlive, onBroken);
    }

    /** Writes {@code data: <json>}. */
    void data(Object tree) {
        write(null, tree);
    }

    /** Writes {@code event: <name>} with {@code data: <json>}. */
    void event(String name, Object tree) {
        write(name, tree);
    }

    private void write(String event, Object tree) {
        byte[] json = JsonCodec.write(tree);
        lock.lock();
        try {
            if (event != null) {
                out.write(("event: " + event + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.write(DATA);
            out.write(json);
            out.write(END);
            out.flush();
            lastWrite = System.nanoTime();
        } catch (IOException | UncheckedIOException e) {
            fail();
            throw new ClientGone(e);
        } finally {
            lock.unlock();
        }
    }

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private void keepAlive() {
        if (broken || System.nanoTime() - lastWrite < keepAliveNanos || !lock.tryLock()) {
            return;
        }
        try {
            out.write(KEEP_ALIVE);
            out.flush();
            lastWrite = System.nanoTime();
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            fail();
        } finally {
            lock.unlock();
        }
    }

    private void fail() {
        if (!broken) {
            broken = true;
            keepAlive.cancel(false);
            onBroken.run();
        }
    }

    boolean isBroken() {
        return broken;
    }

    @Override
    public void close() {
        keepAlive.cancel(false);
        lock.lock();
        try {
            out.close();
        } catch (IOException | UncheckedIOException e) {
            // the client is gone; nothing left to tell it
        } finally {
            lock.unlock();
        }
    }

    /** The client closed the connection while the answer was being written. */
    static final class ClientGone extends RuntimeException {
        ClientGone(Throwable cause) {
            super("client closed the connection", cause, false, false);
        }
    }
}
