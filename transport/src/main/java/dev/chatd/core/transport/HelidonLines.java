package dev.chatd.core.transport;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.Transport;
import io.helidon.webclient.api.HttpClientResponse;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A streamed upstream body read line by line, as it arrives, on the reader's own thread: the
 * call is sent and its body read straight from the connection by whoever opened and reads the
 * stream, with no thread in between (each hand-off cost a wake-up before the first token). The
 * connection's read deadline bounds each wait: the status, headers and first bytes all within
 * the call's timeout (a model loading), every later piece within the idle timeout; a shared
 * scheduler bounds the rest of the opening (DNS, connect, TLS) by the call's timeout too. Past
 * either, the call fails as a timeout and its connection is closed.
 *
 * <p>Closing the stream early, from any thread, aborts its exchange: the connection is closed,
 * which ends a read blocked on it. The connection goes back to the pool only when the reader
 * read the body to its real end and nobody aborted the exchange meanwhile (see
 * {@link PooledConnection#releasedByOwner}). One reader at a time.
 */
final class HelidonLines implements Transport.Lines {
    /** A line up to this long costs the reply budget nothing; chat stream lines are far shorter. */
    private static final int FREE_LINE_BYTES = 64 * 1024;

    /** What the call returns: the response with its headers read, the connection and the exchange's number on it. */
    record Opened(HttpClientResponse response, PooledConnection connection, long number) {}

    private final CallTarget target;
    private final long firstByteDeadline;
    private volatile Duration idleTimeout;

    private final int maxLineBytes;
    private final ReplyBudget.Share lineShare;
    private byte[] line = new byte[256];
    private int lineLength;
    private int status;
    private Map<String, String> headers;
    private InputStream body;
    private boolean closeDelimited;
    private final byte[] current = new byte[8192];
    private int currentIndex;
    private int currentLength;
    private boolean started;
    private boolean ended;

    // The exchange, once attached; guarded by this.
    private PooledConnection connection;
    private long number;
    private boolean closed;
    private volatile boolean expired;
    private Thread opener;

    /** The opening request's wait, added to as each piece is awaited. */
    private final UpstreamWait wait;

    private HelidonLines(
            CallTarget target, ReplyBudget budget, Duration timeout, Duration idleTimeout, int maxLineBytes) {
        this.target = target;
        this.wait = UpstreamWait.current();
        this.maxLineBytes = maxLineBytes;
        this.lineShare = budget.share(
                target.provider(), "chatd.max-stream-line-bytes, " + maxLineBytes + " bytes, bounds each stream line");
        this.firstByteDeadline = System.nanoTime() + timeout.toNanos();
        this.idleTimeout = idleTimeout;
    }

    /**
     * Sends the call and waits, within {@code timeout}, for its status and headers: on this
     * thread when it is virtual (a request's), else on a virtual thread of its own. Only a
     * virtual thread gives up a connect or TLS handshake that hangs when interrupted at the
     * deadline; a platform caller (a tool, a test) would wait for the socket's own timeouts.
     */
    static HelidonLines open(
            CallTarget target,
            ReplyBudget budget,
            Function<HelidonTransport.Attach, Opened> call,
            Duration timeout,
            Duration idleTimeout,
            int maxLineBytes) {
        if (Thread.currentThread().isVirtual()) {
            return openHere(target, budget, call, timeout, idleTimeout, maxLineBytes);
        }
        UpstreamWait wait = UpstreamWait.current();
        Callable<HelidonLines> opening = () -> {
            Supplier<HelidonLines> open = () -> openHere(target, budget, call, timeout, idleTimeout, maxLineBytes);
            return wait == null ? open.get() : wait.during(open);
        };
        FutureTask<HelidonLines> task = new FutureTask<>(opening);
        Thread.ofVirtual().name("chatd-upstream-" + target.provider()).start(task);
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            task.cancel(true); // interrupts the opening, which closes its connection
            Thread.currentThread().interrupt();
            throw new ChatException.UpstreamFailure("interrupted while waiting for " + target.provider());
        }
    }

    private static HelidonLines openHere(
            CallTarget target,
            ReplyBudget budget,
            Function<HelidonTransport.Attach, Opened> call,
            Duration timeout,
            Duration idleTimeout,
            int maxLineBytes) {
        HelidonLines stream = new HelidonLines(target, budget, timeout, idleTimeout, maxLineBytes);
        stream.opener = Thread.currentThread();
        ScheduledFuture<?> deadline = Deadlines.at(stream.firstByteDeadline, stream::expire);
        long waiting = System.nanoTime();
        try {
            Opened opened = call.apply(stream::attach);
            HttpClientResponse res = opened.response();
            stream.status = res.status().code();
            stream.headers = HelidonTransport.headersOf(res);
            stream.closeDelimited = HelidonTransport.closeDelimited(res);
            stream.body = res.inputStream();
            if (stream.opened()) {
                throw new ChatException.UpstreamFailure("the call to " + target.provider() + " was given up");
            }
            return stream;
        } catch (RuntimeException e) {
            boolean givenUp = stream.isClosed() || Thread.currentThread().isInterrupted();
            stream.close();
            if (stream.expired) {
                throw target.timedOut(timeout);
            }
            if (givenUp) {
                throw new ChatException.UpstreamFailure("interrupted while waiting for " + target.provider());
            }
            throw target.transportFailure(e, timeout);
        } finally {
            deadline.cancel(false);
            stream.opened();
            if (stream.expired) {
                Thread.interrupted(); // the expiry's interrupt is no concern of the caller's
            }
            UpstreamWait.addToCurrent(System.nanoTime() - waiting);
        }
    }

    /** Takes the exchange's connection, unless the stream was closed meanwhile; its reads then keep the first-byte deadline. */
    private synchronized boolean attach(PooledConnection leased, long leaseNumber) {
        if (closed) {
            return false;
        }
        connection = leased;
        number = leaseNumber;
        leased.releasedByOwner(leaseNumber);
        leased.readBy(firstByteDeadline);
        return true;
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** The opening ended: a later expiry does nothing. Whether the stream was closed meanwhile. */
    private synchronized boolean opened() {
        opener = null;
        return closed;
    }

    /** The opening outlasted the call's timeout (a connect, DNS lookup or TLS handshake that hangs). */
    private synchronized void expire() {
        Thread t = opener;
        if (t == null) {
            return;
        }
        expired = true;
        close();
        t.interrupt(); // a virtual thread interrupted in a connect or lookup gives up at once
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public void idleTimeout(Duration idle) {
        this.idleTimeout = idle;
    }

    private String provider() {
        return target.provider();
    }

    /**
     * The next line without its line break, or null at the end of the body.
     *
     * @throws ChatException.UpstreamTimeout when the upstream falls silent too long
     * @throws ChatException.UpstreamFailure when the connection breaks
     */
    @Override
    public String nextLine() {
        while (true) {
            if (currentIndex < currentLength) {
                int newline = indexOf(current, '\n', currentIndex, currentLength);
                int end = newline < 0 ? currentLength : newline;
                append(current, currentIndex, end - currentIndex);
                currentIndex = newline < 0 ? currentLength : newline + 1;
                if (newline >= 0) {
                    return takeLine();
                }
                continue;
            }
            if (ended) {
                return lineLength > 0 ? takeLine() : null;
            }
            long waiting = System.nanoTime();
            int n = await();
            if (wait != null) {
                wait.add(System.nanoTime() - waiting);
            }
            if (n < 0) {
                ended = true;
                finish();
            } else {
                currentIndex = 0;
                currentLength = n;
            }
        }
    }

    private static int indexOf(byte[] bytes, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** Adds to the line, growing it at most to the cap; growth past a small allowance counts against the reply budget. */
    private void append(byte[] bytes, int offset, int length) {
        if (length == 0) {
            return;
        }
        long needed = (long) lineLength + length;
        if (needed > maxLineBytes) {
            close();
            throw target.lineTooLong(maxLineBytes);
        }
        if (needed > line.length) {
            int size = (int) Math.min(maxLineBytes, Math.max(needed, 2L * line.length));
            try {
                lineShare.resize(size > FREE_LINE_BYTES ? size : 0);
            } catch (ChatException e) {
                close();
                throw e;
            }
            line = Arrays.copyOf(line, size);
        }
        System.arraycopy(bytes, offset, line, lineLength, length);
        lineLength += length;
    }

    /** Reads the next bytes into {@link #current} within the first-byte or idle deadline: their count, or -1 at the end. */
    private int await() {
        PooledConnection c;
        synchronized (this) {
            if (closed) {
                ended = true;
                throw closedByChatd();
            }
            c = connection;
        }
        c.readBy(started ? System.nanoTime() + idleTimeout.toNanos() : firstByteDeadline);
        int n;
        try {
            do {
                n = HelidonTransport.read(body, current, 0, current.length, closeDelimited);
            } while (n == 0);
        } catch (RuntimeException failure) {
            ended = true;
            boolean byChatd = isClosed();
            close();
            if (byChatd) {
                throw closedByChatd();
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new ChatException.UpstreamFailure("interrupted while reading from " + provider());
            }
            if (failure instanceof ChatException chat) {
                throw chat;
            }
            if (timedOut(failure)) {
                throw new ChatException.UpstreamTimeout(
                        provider() + (started ? " went silent mid-stream for " : " sent nothing for ")
                                + (started
                                        ? idleTimeout.toSeconds() + " s; chatd.stream-idle-timeout-secs"
                                        : "too long; chatd.timeout-secs")
                                + " bounds that wait",
                        started ? idleTimeout : null);
            }
            throw target.streamFailure(failure);
        }
        started = true;
        return n;
    }

    /** The body was read to its end on this thread: the connection goes back to the pool, unless it was aborted. */
    private void finish() {
        PooledConnection c;
        long n;
        synchronized (this) {
            c = connection;
            n = number;
            connection = null; // a later close() leaves it alone: it may be another exchange's by then
        }
        if (c != null) {
            c.finish(n);
        }
    }

    private ChatException closedByChatd() {
        return new ChatException.UpstreamFailure("the stream from " + provider() + " was closed by chatd");
    }

    private static boolean timedOut(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private String takeLine() {
        int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        String text = new String(line, 0, end, StandardCharsets.UTF_8);
        lineLength = 0;
        if (line.length > FREE_LINE_BYTES) { // a long line's buffer goes back to the budget
            line = new byte[256];
            lineShare.resize(0);
        }
        return text;
    }

    /** Aborts the exchange unless its body was read to the end: closing the connection ends a read blocked on it. */
    @Override
    public void close() {
        PooledConnection c;
        long n;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            c = connection;
            n = number;
            connection = null;
        }
        lineShare.close();
        if (c != null) {
            c.abort(n);
        }
    }
}
