package dev.chatd.core.transport;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.Transport;
import io.helidon.common.buffers.DataReader;
import io.helidon.webclient.api.HttpClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A streamed upstream body read line by line, as it arrives. A virtual thread of its own
 * performs the call and pumps the body's bytes into a small queue, so the reader can wait with
 * deadlines: the status, headers and first bytes all within the call's timeout (a model
 * loading), every later piece within the idle timeout. Past either, the call fails as a
 * timeout and its connection is closed. Closing the stream early cancels the upstream call
 * and closes its connection. One reader at a time.
 */
final class HelidonLines implements Transport.Lines {
    private static final Object END = new Object();
    private static final Object CLOSED = new Object();
    /** A line up to this long costs the reply budget nothing; chat stream lines are far shorter. */
    private static final int FREE_LINE_BYTES = 64 * 1024;

    /** The status and headers, once they arrived. */
    private record Head(int status, Map<String, String> headers) {}

    private final CallTarget target;
    private final long firstByteDeadline;
    private volatile Duration idleTimeout;
    private final CompletableFuture<Head> head = new CompletableFuture<>();
    /** Up to 16 reads (128 KiB) waiting for the reader; then the upstream waits for chatd. */
    private final BlockingQueue<Object> arrivals = new ArrayBlockingQueue<>(16);

    private final int maxLineBytes;
    private final ReplyBudget.Share lineShare;
    private byte[] line = new byte[256];
    private int lineLength;
    private Head received;
    private volatile Thread pump;
    private volatile HttpClientResponse response;
    private byte[] current = new byte[0];
    private int currentIndex;
    private int currentLength;
    private boolean started;
    private boolean ended;
    private volatile boolean closed;

    /** The opening request's wait, added to as each piece is awaited (lines are read on another thread). */
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

    /** Starts the call and waits, within {@code timeout}, for its status and headers. */
    static HelidonLines open(
            CallTarget target,
            ReplyBudget budget,
            Function<BooleanSupplier, HttpClientResponse> call,
            Duration timeout,
            Duration idleTimeout,
            int maxLineBytes) {
        HelidonLines stream = new HelidonLines(target, budget, timeout, idleTimeout, maxLineBytes);
        stream.pump =
                Thread.ofVirtual().name("chatd-upstream-" + target.provider()).start(() -> stream.pump(call));
        long waiting = System.nanoTime();
        try {
            stream.received =
                    stream.head.get(Math.max(0, stream.firstByteDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return stream;
        } catch (TimeoutException e) {
            stream.close();
            throw target.timedOut(timeout);
        } catch (InterruptedException e) {
            stream.close();
            Thread.currentThread().interrupt();
            throw new ChatException.UpstreamFailure("interrupted while waiting for " + target.provider());
        } catch (ExecutionException e) {
            stream.close();
            throw target.transportFailure(e.getCause(), timeout);
        } finally {
            UpstreamWait.addToCurrent(System.nanoTime() - waiting);
        }
    }

    /** Performs the call ({@code call} is told whether the stream was closed meanwhile) and pumps its body. */
    private void pump(Function<BooleanSupplier, HttpClientResponse> call) {
        try (HttpClientResponse res = call.apply(() -> closed)) {
            response = res;
            if (closed) {
                return;
            }
            head.complete(new Head(res.status().code(), HelidonTransport.headersOf(res)));
            boolean closeDelimited = HelidonTransport.closeDelimited(res);
            InputStream body = res.inputStream();
            byte[] buffer = new byte[8192];
            int n;
            while (!closed && (n = read(body, buffer, closeDelimited)) >= 0) {
                if (n > 0) {
                    arrivals.put(Arrays.copyOf(buffer, n));
                }
            }
            arrivals.put(END);
        } catch (InterruptedException e) {
            // closed by the reader
        } catch (Throwable failure) {
            if (!head.completeExceptionally(failure) && !closed) {
                try {
                    arrivals.put(failure); // after what arrived before it, however full the queue
                } catch (InterruptedException e) {
                    // closed by the reader meanwhile
                }
            }
        }
    }

    /** Helidon's client throws at the end of a close-delimited body instead of returning -1; that end is the stream's. */
    private static int read(InputStream body, byte[] buffer, boolean closeDelimited) throws IOException {
        try {
            return body.read(buffer);
        } catch (DataReader.InsufficientDataAvailableException e) {
            if (closeDelimited) {
                return -1;
            }
            throw e;
        }
    }

    @Override
    public int status() {
        return received.status();
    }

    @Override
    public Map<String, String> headers() {
        return received.headers();
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
            Object next = await();
            if (wait != null) {
                wait.add(System.nanoTime() - waiting);
            }
            if (next == CLOSED) {
                ended = true;
                throw new ChatException.UpstreamFailure("the stream from " + provider() + " was closed by chatd");
            }
            if (next == END) {
                ended = true;
            } else if (next instanceof Throwable failure) {
                ended = true;
                close();
                throw target.streamFailure(failure);
            } else {
                current = (byte[]) next;
                currentIndex = 0;
                currentLength = current.length;
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

    private Object await() {
        long waitNanos = started ? idleTimeout.toNanos() : Math.max(0, firstByteDeadline - System.nanoTime());
        Object next;
        try {
            next = arrivals.poll(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ChatException.UpstreamFailure("interrupted while reading from " + provider());
        }
        if (next == null) {
            close();
            throw new ChatException.UpstreamTimeout(
                    provider() + (started ? " went silent mid-stream for " : " sent nothing for ")
                            + (started
                                    ? idleTimeout.toSeconds() + " s; chatd.stream-idle-timeout-secs"
                                    : "too long; chatd.timeout-secs")
                            + " bounds that wait",
                    started ? idleTimeout : null);
        }
        started = true;
        return next;
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

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        lineShare.close();
        arrivals.clear();
        arrivals.offer(CLOSED); // wakes a reader blocked on another thread
        HttpClientResponse res = response;
        if (res != null) {
            try {
                res.close();
            } catch (RuntimeException e) {
                // closing a broken connection; nothing more to free
            }
        }
        Thread t = pump;
        if (t != null) {
            t.interrupt(); // unblocks a pump waiting on the socket or on a full queue, closing the socket
        }
    }
}
