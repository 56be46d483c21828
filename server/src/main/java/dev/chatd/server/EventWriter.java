package dev.chatd.server;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.server.ingress.EventSink;
import dev.chatd.server.ingress.Framing;
import dev.chatd.server.ingress.StreamEncoder;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes a streamed answer to one response, an event at a time, flushing each as it is
 * written: server-sent events ({@code data: …}) or NDJSON lines. Each writer has a heartbeat of
 * its own, a virtual thread, so a client that stops reading stalls nobody else's heartbeat.
 * While the stream is silent, the heartbeat probes the client every {@link #PROBE_INTERVAL}
 * with bytes every parser skips, because only a write notices a client that went away (the
 * write after the one its reset answered fails): an SSE comment line, or for NDJSON a space
 * before the next line (JSON allows leading whitespace; the relay always writes a last line
 * after a probe, so no space is ever left dangling at the end). SSE also gets a visible
 * keep-alive every keep-alive interval so that proxies keep the connection: the encoder's
 * ({@link StreamEncoder#keepAlive()}), a {@code : keep-alive} comment unless it has an event for it.
 * When a write fails, {@code onBroken} runs once, so the upstream call is cancelled at once.
 */
final class EventWriter implements EventSink, AutoCloseable {
    /** Silence before the client is probed; a client that left is noticed within twice this. */
    static final Duration PROBE_INTERVAL = Duration.ofMillis(500);

    private static final byte[] SSE_PROBE = ":\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NDJSON_PROBE = {' '};
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINE_END = "\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final Framing framing;
    private final ReentrantLock lock = new ReentrantLock();
    private final Runnable onBroken;
    private final long keepAliveNanos; // SSE only
    private final byte[] keepAliveBytes; // SSE only
    private final long probeNanos;
    private final Thread heartbeat;
    private volatile long lastWrite = System.nanoTime(); // any bytes, probes included
    private volatile long lastVisible = lastWrite; // events and keep-alive comments
    private volatile boolean broken;
    private volatile boolean finished; // the heartbeat stops

    EventWriter(OutputStream out, Framing framing, Duration keepAlive, Duration probe, Runnable onBroken) {
        this(out, framing, keepAlive, StreamEncoder.KEEP_ALIVE_COMMENT, probe, onBroken);
    }

    /** @param keepAliveText the SSE keep-alive, written as it is ({@link StreamEncoder#keepAlive()}) */
    EventWriter(
            OutputStream out,
            Framing framing,
            Duration keepAlive,
            String keepAliveText,
            Duration probe,
            Runnable onBroken) {
        this.out = out;
        this.keepAliveBytes = keepAliveText.getBytes(StandardCharsets.UTF_8);
        this.framing = framing;
        this.onBroken = onBroken;
        this.keepAliveNanos = keepAlive.toNanos();
        this.probeNanos = probe.toNanos();
        this.heartbeat = Thread.ofVirtual().name("chatd-heartbeat").start(this::beat);
    }

    /**
     * Commits a 200 {@code text/event-stream} response and returns its writer.
     *
     * @param keepAliveText what a silent stream writes every {@code keepAlive} ({@link StreamEncoder#keepAlive()})
     */
    static EventWriter sse(ServerResponse res, Duration keepAlive, String keepAliveText, Runnable onBroken) {
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8"));
        return new EventWriter(open(res), Framing.SSE, keepAlive, keepAliveText, PROBE_INTERVAL, onBroken);
    }

    /** Commits a 200 {@code application/x-ndjson} response and returns its writer. */
    static EventWriter ndjson(ServerResponse res, Runnable onBroken) {
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/x-ndjson"));
        return new EventWriter(
                open(res), Framing.NDJSON, Duration.ZERO, StreamEncoder.KEEP_ALIVE_COMMENT, PROBE_INTERVAL, onBroken);
    }

    private static OutputStream open(ServerResponse res) {
        res.status(Status.OK_200);
        res.header(HeaderValues.create(HeaderNames.CACHE_CONTROL, "no-cache"));
        res.header("X-Accel-Buffering", "no");
        return res.outputStream();
    }

    /** Writes one event: {@code data: <json>} for SSE, a line for NDJSON. */
    @Override
    public void data(Object tree) {
        write(null, JsonCodec.write(tree));
    }

    /** Writes {@code event: <name>} with {@code data: <json>} (SSE). */
    @Override
    public void event(String name, Object tree) {
        write(name, JsonCodec.write(tree));
    }

    /** Writes {@code data: <text>} as it is, e.g. OpenAI's {@code [DONE]}. */
    @Override
    public void rawData(String text) {
        write(null, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a keep-alive now: commits the response and tells proxies the stream lives. */
    void keepAliveNow() {
        lock.lock();
        try {
            send(keepAliveBytes);
            lastVisible = lastWrite;
        } finally {
            lock.unlock();
        }
    }

    private void write(String event, byte[] payload) {
        lock.lock();
        try {
            if (framing == Framing.SSE) {
                if (event != null) {
                    out.write(("event: " + event + "\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(DATA);
                out.write(payload);
                send(EVENT_END);
            } else {
                out.write(payload);
                send(LINE_END);
            }
            lastVisible = lastWrite;
        } catch (IOException | UncheckedIOException | CloseConnectionException e) {
            throw broke(e);
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code bytes} and flushes; the caller holds the lock. */
    private void send(byte[] bytes) {
        if (broken) {
            throw new ClientGone(null);
        }
        try {
            out.write(bytes);
            out.flush();
            lastWrite = System.nanoTime();
        } catch (IOException | UncheckedIOException | CloseConnectionException | IllegalStateException e) {
            throw broke(e); // Helidon reports a failed socket write as a CloseConnectionException
        }
    }

    private void beat() {
        while (!finished && !broken) {
            long wait = lastWrite + probeNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            if (!lock.tryLock()) {
                // Someone is writing (or blocked writing to a client that does not read): that probes too.
                LockSupport.parkNanos(probeNanos);
                continue;
            }
            try {
                if (finished) {
                    return;
                }
                if (framing == Framing.SSE && System.nanoTime() - lastVisible >= keepAliveNanos) {
                    send(keepAliveBytes);
                    lastVisible = lastWrite;
                } else {
                    send(framing == Framing.SSE ? SSE_PROBE : NDJSON_PROBE);
                }
            } catch (ClientGone e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    private ClientGone broke(Exception e) {
        if (!broken) {
            broken = true;
            LockSupport.unpark(heartbeat);
            onBroken.run();
        }
        return new ClientGone(e);
    }

    /** The answer is complete: the heartbeat stops, so nothing follows the last line. */
    void complete() {
        finished = true;
        LockSupport.unpark(heartbeat);
    }

    boolean isBroken() {
        return broken;
    }

    @Override
    public void close() {
        complete();
        lock.lock();
        try {
            out.close();
        } catch (IOException | UncheckedIOException | CloseConnectionException | IllegalStateException e) {
            // the client is gone; nothing left to tell it
        } finally {
            lock.unlock();
        }
    }

    /** The client closed the connection while the answer was being written. */
    static final class ClientGone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClientGone(Throwable cause) {
            super("client closed the connection", cause, false, false);
        }
    }
}
