package dev.chatd.core.transport;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.Transport;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.Header;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The host's {@link Transport}, made once from its configuration and closed when it stops:
 * Helidon's blocking HTTP/1.1 client, the pool of keep-alive connections (bounded per host, idle
 * ones closed after a while), the size limits of replies and stream lines, and the budget all
 * replies in flight share. Measured against the JDK's {@code HttpClient} on this path it gave
 * twice the throughput and a third less latency (the numbers are in the README).
 */
public final class HelidonTransport implements Transport, AutoCloseable {
    /** Waiting longer than this for a TCP connection means the host is down or filtered. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Room for the status line, headers and chunk framing around a reply's body. */
    private static final int FRAMING_BYTES = 64 * 1024;
    /** Bytes asked of Helidon per read: it allocates a buffer of the size asked for each one. */
    private static final int READ_BYTES = 16 * 1024;

    /**
     * The transport's limits.
     *
     * @param maxReplyBytes the largest non-streaming reply body ({@code chatd.max-reply-bytes})
     * @param maxStreamLineBytes the longest line of a streamed body ({@code chatd.max-stream-line-bytes})
     * @param maxConnectionsPerHost idle keep-alive connections kept per upstream host
     *     ({@code chatd.upstream.max-connections-per-host}); a burst opens more, closed once done
     * @param idleTimeout how long an unused pooled connection stays open ({@code chatd.upstream.idle-timeout-secs})
     */
    public record Settings(
            long maxReplyBytes, int maxStreamLineBytes, int maxConnectionsPerHost, Duration idleTimeout) {
        public static final long DEFAULT_MAX_REPLY_BYTES = 8L * 1024 * 1024;
        public static final int DEFAULT_MAX_STREAM_LINE_BYTES = 1024 * 1024;
        public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 64;
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
        /** Java arrays stop a little short of 2 GiB. */
        public static final long MAX_BYTES = Integer.MAX_VALUE - 64;

        public static final Settings DEFAULTS = new Settings(
                DEFAULT_MAX_REPLY_BYTES,
                DEFAULT_MAX_STREAM_LINE_BYTES,
                DEFAULT_MAX_CONNECTIONS_PER_HOST,
                DEFAULT_IDLE_TIMEOUT);

        public Settings {
            if (maxReplyBytes <= 0 || maxReplyBytes > MAX_BYTES) {
                throw new IllegalArgumentException(
                        "maxReplyBytes must be between 1 and " + MAX_BYTES + ", got " + maxReplyBytes);
            }
            if (maxStreamLineBytes <= 0 || maxStreamLineBytes > MAX_BYTES) {
                throw new IllegalArgumentException(
                        "maxStreamLineBytes must be between 1 and " + MAX_BYTES + ", got " + maxStreamLineBytes);
            }
            if (maxConnectionsPerHost <= 0) {
                throw new IllegalArgumentException(
                        "maxConnectionsPerHost must be positive, got " + maxConnectionsPerHost);
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive, got " + idleTimeout);
            }
        }
    }

    /** For contexts made outside a registry (tests, tools): made on first use, never closed. */
    private static final class Fallback {
        static final HelidonTransport INSTANCE = create(Settings.DEFAULTS);
    }

    private final Settings settings;
    private final Http1Client http;
    private final ConnectionPool pool;
    private final ReplyBudget budget;

    private HelidonTransport(Settings settings, WebClient webClient, ReplyBudget budget) {
        this.settings = settings;
        this.http = webClient.client(Http1Client.PROTOCOL);
        this.pool = new ConnectionPool(webClient, settings.maxConnectionsPerHost(), settings.idleTimeout());
        this.budget = budget;
    }

    public static HelidonTransport create(Settings settings) {
        // A quarter of the heap for replies being read: about 46 MiB under bin/chatd's 192 MiB heap.
        return create(
                settings,
                Math.max(settings.maxReplyBytes(), Runtime.getRuntime().maxMemory() / 4));
    }

    /** With a reply budget of {@code budgetBytes}. */
    static HelidonTransport create(Settings settings, long budgetBytes) {
        WebClient webClient = WebClient.builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(false)
                .build();
        return new HelidonTransport(settings, webClient, new ReplyBudget(budgetBytes));
    }

    /**
     * Loads and initialises Helidon's client classes on a virtual thread of its own, so that a
     * host can let that happen while it reads its configuration (about 0.2 s of a start).
     */
    public static void warmUpInBackground() {
        Thread.ofVirtual().name("chatd-transport-warm-up").start(() -> {
            try {
                WebClient.builder()
                        .connectTimeout(CONNECT_TIMEOUT)
                        .followRedirects(false)
                        .build()
                        .client(Http1Client.PROTOCOL);
            } catch (RuntimeException | LinkageError e) {
                // Only a head start: a JVM that exits at once (a configuration error) may refuse
                // the client's shutdown hook, and the first real request builds the client anyway.
            }
        });
    }

    /** One shared transport with the default settings, for contexts made outside a registry. */
    public static HelidonTransport fallback() {
        return Fallback.INSTANCE;
    }

    public Settings settings() {
        return settings;
    }

    /** The bytes all replies in flight may hold at once. */
    public long replyBudgetBytes() {
        return budget.total();
    }

    /** Idle pooled connections right now, over every host. */
    public int idleConnections() {
        return pool.idleCount();
    }

    ReplyBudget budget() {
        return budget;
    }

    /** Closes every idle connection; calls still running finish on theirs, which are closed when they end. */
    @Override
    public void close() {
        pool.close();
    }

    /**
     * One non-streaming exchange, within its deadline whatever it is doing. On a kept connection it
     * runs on the caller's thread (no thread hand-off), and a task of the shared deadline scheduler
     * closes that connection at the deadline, which ends any read or write blocked on it. Anything
     * else (a DNS lookup, a connect or a TLS handshake that may never end) runs on a virtual thread
     * of its own, which the caller gives up on at the deadline.
     */
    @Override
    public Reply exchange(Call untraced) {
        Call call = traced(untraced); // here, on the caller's thread: a new connection is made on another
        CallTarget target = CallTarget.of(call);
        Duration limit = call.deadline();
        long waiting = System.nanoTime();
        try {
            PooledConnection kept = pool.leaseKept(target.host());
            if (kept != null) {
                Reply reply = onThisThread(call, target, kept);
                if (reply != null) {
                    return reply;
                }
            }
            long left = limit.toNanos() - (System.nanoTime() - waiting);
            return onOwnThread(call, target, kept != null, left);
        } finally {
            UpstreamWait.addToCurrent(System.nanoTime() - waiting);
        }
    }

    /**
     * The exchange on a kept connection, on the caller's thread; null when the upstream had closed
     * that connection before it was reused, so that it is sent again on a new one.
     */
    private Reply onThisThread(Call call, CallTarget target, PooledConnection kept) {
        Duration limit = call.deadline();
        Exchange exchange = new Exchange(call, target, kept, false);
        // Closing a TLS connection may block (it says goodbye first), so not on the one scheduler thread.
        ScheduledFuture<?> deadline = Deadlines.SCHEDULER.schedule(
                () -> Thread.ofVirtual().name("chatd-upstream-deadline").start(exchange::abort),
                limit.toNanos(),
                TimeUnit.NANOSECONDS);
        try {
            return exchange.run();
        } catch (StaleConnection e) {
            return null;
        } catch (RuntimeException e) {
            if (exchange.aborted()) {
                throw target.timedOut(limit);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new ChatException.UpstreamFailure("interrupted while waiting for " + call.provider());
            }
            throw target.transportFailure(e, limit);
        } finally {
            deadline.cancel(false);
        }
    }

    /**
     * The exchange on a virtual thread of its own, so that the caller can give up after
     * {@code leftNanos} whatever it is doing; giving up closes its connection. A {@code fresh} one
     * makes a new connection rather than taking a kept one.
     */
    private Reply onOwnThread(Call call, CallTarget target, boolean fresh, long leftNanos) {
        Duration limit = call.deadline();
        Exchange exchange = new Exchange(call, target, null, fresh);
        CompletableFuture<Reply> done = new CompletableFuture<>();
        exchange.worker = Thread.ofVirtual()
                .name("chatd-upstream-" + call.provider())
                .start(() -> {
                    try {
                        done.complete(exchange.run());
                    } catch (Throwable failure) {
                        done.completeExceptionally(failure);
                    }
                });
        try {
            return done.get(Math.max(leftNanos, 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.abort();
            throw target.timedOut(limit);
        } catch (ExecutionException e) {
            throw target.transportFailure(e.getCause(), limit);
        } catch (InterruptedException e) {
            exchange.abort();
            Thread.currentThread().interrupt();
            throw new ChatException.UpstreamFailure("interrupted while waiting for " + call.provider());
        }
    }

    /**
     * Starts the call on a virtual thread of its own, which pumps the body into a small queue
     * for the reader, and waits within the call's deadline for the status and headers.
     */
    @Override
    public Lines open(Call untraced, Duration idleTimeout) {
        Call call = traced(untraced); // here, on the caller's thread: the call is sent from another
        CallTarget target = CallTarget.of(call);
        Duration timeout = call.deadline();
        // The socket's own read timeout is only a backstop here: HelidonLines enforces the
        // first-byte and idle deadlines itself, and cancels the call when one passes.
        Duration backstop = (timeout.compareTo(idleTimeout) > 0 ? timeout : idleTimeout).plusSeconds(30);
        int maxLine = settings.maxStreamLineBytes();
        // A line may arrive in one piece; more than that unread at once is no chat stream.
        PooledConnection.Limits limits = new PooledConnection.Limits(
                Long.MAX_VALUE, (long) maxLine + FRAMING_BYTES, () -> target.lineTooLong(maxLine));
        return HelidonLines.open(
                target,
                budget,
                cancelled -> send(
                                call,
                                target,
                                new Start.Any(),
                                backstop,
                                limits,
                                (connection, number) -> !cancelled.getAsBoolean())
                        .response(),
                timeout,
                idleTimeout,
                maxLine);
    }

    /** The call with the trace headers bound to this thread, if any. */
    private static Call traced(Call call) {
        TraceHeaders trace = TraceHeaders.current();
        if (trace == null) {
            return call;
        }
        return new Call(
                call.provider(), call.method(), call.uri(), trace.addTo(call.headers()), call.body(), call.deadline());
    }

    /** Told of each connection an exchange uses; false when the exchange was given up meanwhile. */
    @FunctionalInterface
    private interface Attach {
        boolean attach(PooledConnection connection, long number);
    }

    /** Which connection an exchange starts on. */
    private sealed interface Start {
        /** A kept one already taken from the pool. */
        record Kept(PooledConnection connection) implements Start {}

        /** A new one. */
        record Fresh() implements Start {}

        /** A kept one if the pool has one, else a new one. */
        record Any() implements Start {}
    }

    /** A kept connection the upstream had closed; thrown rather than connecting again on the caller's thread. */
    private static final class StaleConnection extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StaleConnection() {
            super(null, null, false, false);
        }
    }

    /** One scheduler thread for every exchange's deadline; cancelled tasks leave its queue at once. */
    private static final class Deadlines {
        static final ScheduledThreadPoolExecutor SCHEDULER = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(
                    1,
                    Thread.ofPlatform()
                            .name("chatd-upstream-deadlines")
                            .daemon()
                            .factory());
            scheduler.setRemoveOnCancelPolicy(true);
            return scheduler;
        }
    }

    /** A response with its headers read, and the connection it arrived on. */
    private record Sent(Http1ClientResponse response, PooledConnection connection, long number) {}

    /**
     * Sends a request on a pooled connection and reads the status and headers. A kept
     * connection that the upstream closed just before it was reused (a race no check closes)
     * fails before a byte arrives; the request is then sent once more on a new connection, as
     * other HTTP clients do.
     */
    private Sent send(
            Call call,
            CallTarget target,
            Start start,
            Duration readTimeout,
            PooledConnection.Limits limits,
            Attach attach) {
        PooledConnection connection = switch (start) {
            case Start.Kept(PooledConnection kept) -> kept;
            case Start.Fresh() -> pool.connect(target.host());
            case Start.Any() -> pool.lease(target.host());
        };
        for (boolean retried = false; ; retried = true) {
            long number = connection.lease(limits);
            if (!attach.attach(connection, number)) {
                connection.close();
                throw new ChatException.UpstreamFailure("the call to " + call.provider() + " was given up");
            }
            try {
                Http1ClientRequest request = request(call, readTimeout, connection);
                Http1ClientResponse response = call.body().length == 0 && !"POST".equals(call.method())
                        ? request.request()
                        : request.submit(call.body());
                if (closeDelimited(response)) {
                    connection.forbidReuse();
                }
                return new Sent(response, connection, number);
            } catch (RuntimeException e) {
                connection.close();
                boolean stale = number > 1
                        && connection.nothingReceived()
                        && closedByPeer(e)
                        && !Thread.currentThread().isInterrupted();
                if (retried || !stale) {
                    throw e;
                }
                if (start instanceof Start.Kept) {
                    throw new StaleConnection(); // a new connection is made where the deadline can cut it short
                }
            }
            connection = pool.connect(target.host());
        }
    }

    /** The upstream closed or reset the connection (not a timeout, not chatd closing it). */
    private static boolean closedByPeer(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof DataReader.InsufficientDataAvailableException
                    || (cause instanceof java.net.SocketException && !"Socket closed".equals(cause.getMessage()))) {
                return true;
            }
        }
        return false;
    }

    private Http1ClientRequest request(Call call, Duration readTimeout, PooledConnection connection) {
        Http1ClientRequest request = http.method(Method.create(call.method()))
                .uri(call.uri()) // parsed once by the caller: a string would be encoded and parsed again per call
                .connection(connection)
                .readTimeout(readTimeout);
        for (Map.Entry<String, String> header : call.headers()) {
            request.header(HeaderValues.create(header.getKey(), header.getValue()));
        }
        return request;
    }

    /** One non-streaming exchange's state, shared by the thread doing it and the one that may abort it. */
    private final class Exchange {
        private final Call call;
        private final CallTarget target;
        private final Start start;
        private volatile Thread worker;
        private PooledConnection connection;
        private long number;
        private boolean aborted;

        Exchange(Call call, CallTarget target, PooledConnection kept, boolean fresh) {
            this.call = call;
            this.target = target;
            this.start = kept != null ? new Start.Kept(kept) : fresh ? new Start.Fresh() : new Start.Any();
        }

        synchronized boolean aborted() {
            return aborted;
        }

        Reply run() {
            long max = settings.maxReplyBytes();
            PooledConnection.Limits limits = new PooledConnection.Limits(
                    max + FRAMING_BYTES, max + FRAMING_BYTES, () -> target.replyTooLarge(max));
            // The socket's read timeout is a backstop: the caller gives up at the deadline.
            Sent sent = send(call, target, start, call.deadline().plusSeconds(1), limits, this::attach);
            try (Http1ClientResponse response = sent.response()) {
                return reply(response, sent.connection(), max);
            } finally {
                sent.connection()
                        .abort(sent.number()); // unless the reply was read to its end and gave the connection back
            }
        }

        private synchronized boolean attach(PooledConnection leased, long leaseNumber) {
            if (aborted) {
                return false;
            }
            connection = leased;
            number = leaseNumber;
            return true;
        }

        void abort() {
            synchronized (this) {
                aborted = true;
                if (connection != null) {
                    connection.abort(number);
                }
            }
            Thread t = worker;
            if (t != null) {
                t.interrupt(); // a virtual thread interrupted in a socket connect, read or handshake closes that socket
            }
        }

        private Reply reply(Http1ClientResponse response, PooledConnection connection, long max) {
            OptionalLong length = response.headers().contentLength();
            if (length.isPresent() && length.getAsLong() > max) {
                throw target.replyTooLarge(max);
            }
            boolean closeDelimited = closeDelimited(response);
            if (closeDelimited) {
                connection.forbidReuse();
            }
            byte[] body = length.isPresent() && length.getAsLong() == 0
                    ? new byte[0]
                    : readBody(response.inputStream(), length, closeDelimited, max);
            return new Reply(response.status().code(), headersOf(response), body);
        }

        /**
         * Reads a whole body, at most {@code max} bytes, holding one copy of it: into an array of the
         * announced length, or into pieces copied once into an array of the final size. The bytes
         * held count against the transport's reply budget while the body is read.
         */
        private byte[] readBody(InputStream in, OptionalLong length, boolean closeDelimited, long max) {
            String limit = "chatd.max-reply-bytes, " + max + " bytes, bounds each reply";
            try (ReplyBudget.Share share = budget.share(call.provider(), limit)) {
                if (length.isPresent()) {
                    int size = (int) length.getAsLong();
                    share.resize(size);
                    byte[] body = new byte[size];
                    int n = 0;
                    while (n < size) {
                        int read = read(in, body, n, Math.min(READ_BYTES, size - n), closeDelimited);
                        if (read < 0) {
                            throw new ChatException.UpstreamFailure(call.provider() + " at " + target.where()
                                    + " closed or reset the connection before answering (the reply ended after " + n
                                    + " of " + size + " bytes)");
                        }
                        n += read;
                    }
                    // One more read lets Helidon see the body's end and give the connection back to the pool.
                    read(in, new byte[1], 0, 1, closeDelimited);
                    return body;
                }
                List<byte[]> pieces = new ArrayList<>();
                long held = 0;
                long total = 0;
                byte[] piece = null;
                int filled = 0;
                while (true) {
                    if (piece == null || filled == piece.length) {
                        if (total >= max) {
                            if (read(in, new byte[1], 0, 1, closeDelimited) < 0) {
                                break;
                            }
                            throw target.replyTooLarge(max);
                        }
                        // Pieces grow with the body, so a small reply holds little and a large one few pieces.
                        int size = (int) Math.min(max - total, Math.min(1 << 20, Math.max(READ_BYTES, total / 4)));
                        held += size;
                        share.resize(held);
                        piece = new byte[size];
                        pieces.add(piece);
                        filled = 0;
                    }
                    int read = read(in, piece, filled, Math.min(READ_BYTES, piece.length - filled), closeDelimited);
                    if (read < 0) {
                        break;
                    }
                    filled += read;
                    total += read;
                }
                share.resize(held + total); // the final copy, briefly beside the pieces
                byte[] body = new byte[(int) total];
                int at = 0;
                for (byte[] p : pieces) {
                    int n = (int) Math.min(p.length, total - at);
                    System.arraycopy(p, 0, body, at, n);
                    at += n;
                }
                return body;
            }
        }
    }

    /**
     * Reads from the entity, where the end of a close-delimited body is the end of the stream.
     * Helidon's client throws at that point rather than returning -1, which made every such
     * reply fail as a reset connection.
     */
    static int read(InputStream in, byte[] into, int offset, int length, boolean closeDelimited) {
        try {
            return in.read(into, offset, length);
        } catch (DataReader.InsufficientDataAvailableException e) {
            if (closeDelimited) {
                return -1;
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A body that ends when the upstream closes the connection (HTTP/1.0, or
     * {@code Connection: close} without a length) rather than at a length or a last chunk.
     */
    static boolean closeDelimited(HttpClientResponse response) {
        int status = response.status().code();
        return status != 204
                && status != 304
                && status >= 200
                && response.headers().contentLength().isEmpty()
                && !response.headers().contains(HeaderValues.TRANSFER_ENCODING_CHUNKED);
    }

    /** The reply's headers by name, case-insensitively; the first of repeated ones. */
    static Map<String, String> headersOf(HttpClientResponse response) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Header header : response.headers()) {
            headers.putIfAbsent(header.name(), header.get());
        }
        return headers;
    }
}
