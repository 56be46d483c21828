package dev.chatd.core.transport;

import dev.chatd.api.ChatException;
import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.api.HttpClientConfig;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.spi.DnsResolver;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * Keep-alive connections to upstreams, at most {@code maxPerHost} idle ones per host, each
 * closed once it has been idle for {@code idleTimeout}.
 *
 * <p>Hand-written because Helidon 4.2's own connection cache has no idle timeout and watches
 * every idle connection with a virtual thread that polls its socket ten times a second until the
 * connection's read timeout passes: after a burst of a thousand streams that kept most of a core
 * busy for minutes. Idle connections here cost nothing until they are reused, checked or closed.
 * The connections themselves are Helidon's ({@link TcpClientConnection}: TCP, TLS, proxy).
 */
final class ConnectionPool implements AutoCloseable {
    /** A connection idle longer than this is checked before reuse; one used just now is not. */
    private static final long CHECK_AFTER_NANOS = Duration.ofSeconds(1).toNanos();

    private static final List<String> ALPN = List.of(Http1Client.PROTOCOL_ID);
    private static final Tls NO_TLS = Tls.builder().enabled(false).build();

    /** Where a connection goes; connections to one host are interchangeable. */
    record Host(String scheme, String host, int port) {}

    private final WebClient webClient;
    private final int maxPerHost;
    private final long idleNanos;
    private final Map<Host, LinkedBlockingDeque<PooledConnection>> idle = new ConcurrentHashMap<>();
    private final DnsResolver resolver = new DnsResolver() {
        // Helidon's default resolver turns an unknown host into an IllegalArgumentException;
        // keeping UnknownHostException lets the error say the name did not resolve.
        @Override
        public InetAddress resolveAddress(String hostname, DnsAddressLookup lookup) {
            try {
                InetAddress[] all = lookup.filter(InetAddress.getAllByName(hostname));
                if (all.length == 0) {
                    throw new UnknownHostException(hostname + " has no address of the wanted IP version");
                }
                return all[0];
            } catch (UnknownHostException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private volatile boolean closed;
    private volatile Thread reaper;

    ConnectionPool(WebClient webClient, int maxPerHost, Duration idleTimeout) {
        this.webClient = webClient;
        this.maxPerHost = maxPerHost;
        this.idleNanos = idleTimeout.toNanos();
    }

    /** A connection to {@code host} for one exchange: an idle one that is still open, else a new one. */
    PooledConnection lease(Host host) {
        PooledConnection kept = leaseKept(host);
        return kept != null ? kept : connect(host);
    }

    /** An idle connection to {@code host} that is still open, or null when there is none. */
    PooledConnection leaseKept(Host host) {
        if (closed) {
            throw new ChatException.UpstreamFailure("chatd is shutting down: its upstream transport is closed");
        }
        LinkedBlockingDeque<PooledConnection> queue = idle.get(host);
        if (queue != null) {
            PooledConnection connection;
            // Most recently used first: under a light load the others stay idle and expire.
            while ((connection = queue.pollFirst()) != null) {
                long idleFor = System.nanoTime() - connection.idleSince();
                if (idleFor < idleNanos && (idleFor < CHECK_AFTER_NANOS || connection.stillOpen())) {
                    return connection;
                }
                connection.close();
            }
        }
        return null;
    }

    /** A new connection to {@code host}, never a kept one. */
    PooledConnection connect(Host host) {
        HttpClientConfig config = webClient.prototype();
        ConnectionKey key = ConnectionKey.create(
                host.scheme(),
                host.host(),
                host.port(),
                "https".equals(host.scheme()) ? config.tls() : NO_TLS,
                resolver,
                config.dnsAddressLookup(),
                config.proxy());
        // The pool, not Helidon, decides what happens to the connection after an exchange.
        TcpClientConnection tcp = TcpClientConnection.create(webClient, key, ALPN, c -> false, c -> {})
                .connect();
        return new PooledConnection(this, host, tcp);
    }

    /** Takes a connection back after an exchange read its reply to the end; closes it if it cannot be reused or kept. */
    void release(PooledConnection connection) {
        if (!connection.returnToPool(System.nanoTime())) {
            connection.close();
            return;
        }
        LinkedBlockingDeque<PooledConnection> queue =
                idle.computeIfAbsent(connection.host(), h -> new LinkedBlockingDeque<>(maxPerHost));
        if (closed || !queue.offerFirst(connection)) {
            connection.close();
            return;
        }
        if (closed && queue.remove(connection)) { // closed while it was being offered
            connection.close();
        }
        startReaper();
    }

    int idleCount() {
        return idle.values().stream().mapToInt(LinkedBlockingDeque::size).sum();
    }

    /** One virtual thread, started with the first idle connection, closes those idle too long. */
    private void startReaper() {
        if (reaper != null) {
            return;
        }
        synchronized (this) {
            if (reaper == null && !closed) {
                reaper = Thread.ofVirtual().name("chatd-upstream-idle").start(this::reap);
            }
        }
    }

    private void reap() {
        long period = Math.clamp(
                idleNanos / 4,
                Duration.ofMillis(100).toNanos(),
                Duration.ofSeconds(5).toNanos());
        while (!closed) {
            LockSupport.parkNanos(period);
            long now = System.nanoTime();
            List<PooledConnection> expired = new ArrayList<>();
            for (LinkedBlockingDeque<PooledConnection> queue : idle.values()) {
                queue.removeIf(c -> now - c.idleSince() >= idleNanos && expired.add(c));
            }
            // Out of the pool before the socket closes, so nobody who saw the close still counts it idle.
            expired.forEach(PooledConnection::close);
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = reaper;
        if (t != null) {
            LockSupport.unpark(t);
        }
        for (LinkedBlockingDeque<PooledConnection> queue : idle.values()) {
            PooledConnection connection;
            while ((connection = queue.pollFirst()) != null) {
                connection.close();
            }
        }
    }
}
