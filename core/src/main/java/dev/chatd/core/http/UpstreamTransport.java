package dev.chatd.core.http;

import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;
import java.time.Duration;

/**
 * The way out to every upstream, made once by the host from its configuration and closed when
 * it stops: Helidon's HTTP/1.1 client, the pool of keep-alive connections (bounded per host,
 * idle ones closed after a while), the size limits of replies and stream lines, and the budget
 * all replies in flight share. Providers reach it through their
 * {@link dev.chatd.api.spi.ProviderContext} ({@code service(UpstreamTransport.class)}).
 */
public final class UpstreamTransport implements AutoCloseable {
    /** Waiting longer than this for a TCP connection means the host is down or filtered. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The transport's limits.
     *
     * @param maxReplyBytes the largest non-streaming reply body ({@code chatd.max-reply-bytes})
     * @param maxStreamLineBytes the longest line of a streamed body ({@code chatd.max-stream-line-bytes})
     * @param maxConnectionsPerHost idle keep-alive connections kept per upstream host
     *     ({@code chatd.upstream.max-connections-per-host}); a burst opens more, closed once done
     * @param idleTimeout how long an unused pooled connection stays open ({@code chatd.upstream.idle-timeout-secs})
     */
    public record Settings(long maxReplyBytes, int maxStreamLineBytes, int maxConnectionsPerHost, Duration idleTimeout) {
        public static final long DEFAULT_MAX_REPLY_BYTES = 8L * 1024 * 1024;
        public static final int DEFAULT_MAX_STREAM_LINE_BYTES = 1024 * 1024;
        public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 64;
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
        /** Java arrays stop a little short of 2 GiB. */
        public static final long MAX_BYTES = Integer.MAX_VALUE - 64;

        public static final Settings DEFAULTS = new Settings(DEFAULT_MAX_REPLY_BYTES, DEFAULT_MAX_STREAM_LINE_BYTES,
                DEFAULT_MAX_CONNECTIONS_PER_HOST, DEFAULT_IDLE_TIMEOUT);

        public Settings {
            if (maxReplyBytes <= 0 || maxReplyBytes > MAX_BYTES) {
                throw new IllegalArgumentException("maxReplyBytes must be between 1 and " + MAX_BYTES + ", got " + maxReplyBytes);
            }
            if (maxStreamLineBytes <= 0 || maxStreamLineBytes > MAX_BYTES) {
                throw new IllegalArgumentException("maxStreamLineBytes must be between 1 and " + MAX_BYTES + ", got "
                        + maxStreamLineBytes);
            }
            if (maxConnectionsPerHost <= 0) {
                throw new IllegalArgumentException("maxConnectionsPerHost must be positive, got " + maxConnectionsPerHost);
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive, got " + idleTimeout);
            }
        }
    }

    /** For contexts from a host that offers no transport (tests, other hosts): made on first use, never closed. */
    private static final class Fallback {
        static final UpstreamTransport INSTANCE = create(Settings.DEFAULTS);
    }

    private final Settings settings;
    private final Http1Client http;
    private final ConnectionPool pool;
    private final ReplyBudget budget;

    private UpstreamTransport(Settings settings, WebClient webClient, ReplyBudget budget) {
        this.settings = settings;
        this.http = webClient.client(Http1Client.PROTOCOL);
        this.pool = new ConnectionPool(webClient, settings.maxConnectionsPerHost(), settings.idleTimeout());
        this.budget = budget;
    }

    public static UpstreamTransport create(Settings settings) {
        // A quarter of the heap for replies being read: about 46 MiB under bin/chatd's 192 MiB heap.
        return create(settings, Math.max(settings.maxReplyBytes(), Runtime.getRuntime().maxMemory() / 4));
    }

    /** With a reply budget of {@code budgetBytes}. */
    static UpstreamTransport create(Settings settings, long budgetBytes) {
        WebClient webClient = WebClient.builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(false)
                .build();
        return new UpstreamTransport(settings, webClient, new ReplyBudget(budgetBytes));
    }

    /** The transport of hosts that offer none. */
    public static UpstreamTransport fallback() {
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

    Http1Client http() {
        return http;
    }

    ConnectionPool pool() {
        return pool;
    }

    ReplyBudget budget() {
        return budget;
    }

    /** Closes every idle connection; calls still running finish on theirs, which are closed when they end. */
    @Override
    public void close() {
        pool.close();
    }
}
