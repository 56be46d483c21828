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
 * Writes a streamed answer to one response, an event at a time, flushing each as it is
 * written: server-sent events ({@code data: …}) or NDJSON lines. While nothing is written for a
 * keep-alive interval, an SSE comment line goes out so that proxies do not cut a connection to
 * a slow model (NDJSON has no comments, and Ollama clients expect none). When a write fails
 * (the client went away), {@code onBroken} runs once, so the upstream call is cancelled at once.
 */
final class EventWriter implements AutoCloseable {
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINE_END = "\n".getBytes(StandardCharsets.US_ASCII);

    /** How events are framed on the wire. */
    enum Framing {
        SSE,
        NDJSON
    }

    private final OutputStream out;
    private final Framing framing;
    private final ReentrantLock lock = new ReentrantLock();
    private final Runnable onBroken;
    private final ScheduledFuture<?> keepAlive; // null for NDJSON
    private final long keepAliveNanos;
    private volatile long lastWrite = System.nanoTime();
    private volatile boolean broken;

    private EventWriter(OutputStream out, Framing framing, ScheduledExecutorService scheduler, Duration interval,
            Runnable onBroken) {
        this.out = out;
        this.framing = framing;
        this.onBroken = onBroken;
        this.keepAliveNanos = interval.toNanos();
        long period = Math.max(interval.toMillis() / 2, 10);
        this.keepAlive = framing == Framing.SSE
                ? scheduler.scheduleWithFixedDelay(this::keepAlive, period, period, TimeUnit.MILLISECONDS) : null;
    }

    /** Commits a 200 {@code text/event-stream} response and returns its writer. */
    static EventWriter sse(ServerResponse res, ScheduledExecutorService scheduler, Duration keepAlive, Runnable onBroken) {
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8"));
        return open(res, Framing.SSE, scheduler, keepAlive, onBroken);
    }

    /** Commits a 200 {@code application/x-ndjson} response and returns its writer. */
    static EventWriter ndjson(ServerResponse res, ScheduledExecutorService scheduler, Runnable onBroken) {
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/x-ndjson"));
        return open(res, Framing.NDJSON, scheduler, Duration.ZERO, onBroken);
    }

    private static EventWriter open(ServerResponse res, Framing framing, ScheduledExecutorService scheduler,
            Duration keepAlive, Runnable onBroken) {
        res.status(Status.OK_200);
        res.header(HeaderValues.create(HeaderNames.CACHE_CONTROL, "no-cache"));
        res.header("X-Accel-Buffering", "no");
        return new EventWriter(res.outputStream(), framing, scheduler, keepAlive, onBroken);
    }

    /** Writes one event: {@code data: <json>} for SSE, a line for NDJSON. */
    void data(Object tree) {
        write(null, JsonCodec.write(tree));
    }

    /** Writes {@code event: <name>} with {@code data: <json>} (SSE). */
    void event(String name, Object tree) {
        write(name, JsonCodec.write(tree));
    }

    /** Writes {@code data: <text>} as it is, e.g. OpenAI's {@code [DONE]}. */
    void rawData(String text) {
        write(null, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes one event, or a keep-alive comment when {@code payload} is null. */
    private void write(String event, byte[] payload) {
        lock.lock();
        try {
            if (payload == null) {
                out.write(KEEP_ALIVE);
            } else if (framing == Framing.SSE) {
                if (event != null) {
                    out.write(("event: " + event + "\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(DATA);
                out.write(payload);
                out.write(EVENT_END);
            } else {
                out.write(payload);
                out.write(LINE_END);
            }
            out.flush();
            lastWrite = System.nanoTime();
        } catch (IOException | UncheckedIOException e) {
            fail();
            throw new ClientGone(e);
        } finally {
            lock.unlock();
        }
    }

    /** Writes a keep-alive comment now: commits the response and tells proxies the stream lives. */
    void keepAliveNow() {
        write(null, null);
    }

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
            stopKeepAlive();
            onBroken.run();
        }
    }

    private void stopKeepAlive() {
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
    }

    boolean isBroken() {
        return broken;
    }

    @Override
    public void close() {
        stopKeepAlive();
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
