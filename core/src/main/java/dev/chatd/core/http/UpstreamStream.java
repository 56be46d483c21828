package dev.chatd.core.http;

import dev.chatd.api.ChatException;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A streamed upstream body read line by line, as it arrives. The first line may take up to
 * the call's timeout (a model loading), every later one up to the idle timeout; past either,
 * the call fails as a timeout and its connection is closed. Closing the stream early cancels
 * the upstream call and closes its connection. One reader at a time.
 */
public final class UpstreamStream implements AutoCloseable {
    private static final Object END = new Object();
    private static final Object CLOSED = new Object();
    private static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    private final UpstreamClient client;
    private final int status;
    private final HttpHeaders headers;
    private final Duration firstByteTimeout;
    private volatile Duration idleTimeout;
    private final LinkedBlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private volatile Flow.Subscription subscription;
    private List<ByteBuffer> current = List.of();
    private int currentIndex;
    private boolean started;
    private boolean ended;
    private volatile boolean closed;

    UpstreamStream(UpstreamClient client, int status, HttpHeaders headers, Flow.Publisher<List<ByteBuffer>> body,
            Duration firstByteTimeout, Duration idleTimeout) {
        this.client = client;
        this.status = status;
        this.headers = headers;
        this.firstByteTimeout = firstByteTimeout;
        this.idleTimeout = idleTimeout;
        body.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                if (closed) {
                    s.cancel();
                } else {
                    s.request(1);
                }
            }

            @Override
            public void onNext(List<ByteBuffer> buffers) {
                arrivals.add(buffers);
            }

            @Override
            public void onError(Throwable failure) {
                arrivals.add(failure);
            }

            @Override
            public void onComplete() {
                arrivals.add(END);
            }
        });
    }

    public int status() {
        return status;
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    public String provider() {
        return client.provider();
    }

    /** Removes the key from text that came from the upstream. */
    public String redact(String text) {
        return client.redact(text);
    }

    /** Waits at most {@code idle} for each later line, e.g. for trailing data after a stream's end marker. */
    public void idleTimeout(Duration idle) {
        this.idleTimeout = idle;
    }

    /** Reads the rest of an error body (bounded by the timeouts) as a reply, for error mapping. */
    public UpstreamReply drain() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            String l;
            while ((l = nextLine()) != null && body.size() < 1024 * 1024) {
                body.writeBytes(l.getBytes(StandardCharsets.UTF_8));
                body.write('\n');
            }
        } catch (ChatException e) {
            // What arrived is what the error mapping gets.
        } finally {
            close();
        }
        return new UpstreamReply(client, status, headers, body.toByteArray());
    }

    /**
     * The next line without its line break, or null at the end of the body.
     *
     * @throws ChatException.UpstreamTimeout when the upstream falls silent too long
     * @throws ChatException.UpstreamFailure when the connection breaks
     */
    public String nextLine() {
        while (true) {
            while (currentIndex < current.size()) {
                ByteBuffer buffer = current.get(currentIndex);
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        return takeLine();
                    }
                    if (line.size() >= MAX_LINE_BYTES) {
                        close();
                        throw new ChatException.UpstreamFailure(provider() + " sent a line longer than "
                                + MAX_LINE_BYTES + " bytes; not a chat stream");
                    }
                    line.write(b);
                }
                currentIndex++;
            }
            if (ended) {
                return line.size() > 0 ? takeLine() : null;
            }
            Object next = await();
            if (next == CLOSED) {
                ended = true;
                throw new ChatException.UpstreamFailure("the stream from " + provider() + " was closed by chatd");
            }
            if (next == END) {
                ended = true;
            } else if (next instanceof Throwable failure) {
                ended = true;
                close();
                throw client.streamFailure(failure);
            } else {
                @SuppressWarnings("unchecked")
                List<ByteBuffer> buffers = (List<ByteBuffer>) next;
                current = buffers;
                currentIndex = 0;
                subscription.request(1);
            }
        }
    }

    private Object await() {
        Duration limit = started ? idleTimeout : firstByteTimeout;
        Object next;
        try {
            next = arrivals.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ChatException.UpstreamFailure("interrupted while reading from " + provider());
        }
        if (next == null) {
            close();
            throw new ChatException.UpstreamTimeout(provider() + (started ? " went silent mid-stream for " : " sent nothing for ")
                    + limit.toSeconds() + " s; " + (started ? "chatd.stream-idle-timeout-secs" : "chatd.timeout-secs")
                    + " bounds that wait", limit);
        }
        started = true;
        return next;
    }

    private String takeLine() {
        int size = line.size();
        byte[] bytes = line.toByteArray();
        line.reset();
        int end = size > 0 && bytes[size - 1] == '\r' ? size - 1 : size;
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** Cancels the upstream call and closes its connection, unless the body already ended. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        arrivals.add(CLOSED); // wakes a reader blocked on another thread
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
