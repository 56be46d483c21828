package dev.chatd.server;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long chatd waits for a client. A connection waiting for a request (new, or kept alive
 * after one) is idle and closes after {@code chatd.client-idle-timeout-secs}. Once a request
 * line has arrived, its headers and body must keep coming: a read that waits longer than
 * {@code chatd.client-read-timeout-secs} fails, which closes the connection (headers) or
 * answers 408 (a body, read by the route).
 *
 * <p>Hand-written because Helidon 4.2 applies {@code connection-options.read-timeout} to the
 * sockets of its client only: here it becomes each accepted socket's {@code SO_TIMEOUT}, set
 * to the idle timeout between requests and to the read timeout from a request line (Helidon's
 * {@code prologue} event) until the request is done. Sockets are found again by their
 * client's address, which is unique among open connections.
 */
final class ClientTimeouts implements Http1ConnectionListener {
    /** Closed sockets are swept out when the table has doubled since the last sweep, and not below this. */
    private static final int MIN_SWEEP = 256;

    private final SocketOptions helidon;
    private final int readMillis;
    private final int idleMillis;
    private final Map<SocketAddress, Socket> sockets = new ConcurrentHashMap<>();
    private final AtomicInteger sweepAt = new AtomicInteger(MIN_SWEEP);

    /** Times out reads after {@code helidon}'s read timeout, and idle connections after {@code idle}. */
    ClientTimeouts(SocketOptions helidon, Duration idle) {
        this.helidon = helidon;
        this.readMillis = Math.toIntExact(helidon.readTimeout().toMillis());
        this.idleMillis = Math.toIntExact(idle.toMillis());
    }

    /** True when {@code failure} is, or was caused by, a read that waited past its timeout. */
    static boolean isReadTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Helidon's socket options, with the read timeout they carry applied to accepted sockets too. */
    SocketOptions socketOptions() {
        return new ServerSocketOptions(helidon, this);
    }

    /** A new connection: idle until its first request line. */
    void accepted(Socket socket) {
        timeout(socket, idleMillis);
        sockets.put(socket.getRemoteSocketAddress(), socket);
        int size = sockets.size();
        int due = sweepAt.get();
        if (size >= due && sweepAt.compareAndSet(due, Integer.MAX_VALUE)) {
            sockets.values().removeIf(Socket::isClosed);
            sweepAt.set(Math.max(MIN_SWEEP, sockets.size() * 2));
        }
    }

    /** How many sockets the table holds, closed ones not yet swept out included. */
    int tracked() {
        return sockets.size();
    }

    /** A request line arrived: from now on the client must keep sending until the request is read. */
    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        timeout(ctx.remotePeer().address(), readMillis);
    }

    /** The request is answered; a body read to its end makes the connection idle again. */
    void requestDone(ServerRequest req) {
        if (req.content().consumed()) {
            timeout(req.remotePeer().address(), idleMillis);
        }
    }

    private void timeout(SocketAddress client, int millis) {
        Socket socket = sockets.get(client);
        if (socket != null) {
            timeout(socket, millis);
        }
    }

    private static void timeout(Socket socket, int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (IOException e) {
            // closed meanwhile: nothing left to time out
        }
    }

    /** Delegates to Helidon's options and also hands each accepted socket to {@link #accepted}. */
    private record ServerSocketOptions(SocketOptions helidon, ClientTimeouts timeouts) implements SocketOptions {
        @Override
        public void configureSocket(Socket socket) {
            helidon.configureSocket(socket);
            timeouts.accepted(socket);
        }

        @Override
        public Map<SocketOption<?>, Object> socketOptions() {
            return helidon.socketOptions();
        }

        @Override
        public Duration connectTimeout() {
            return helidon.connectTimeout();
        }

        @Override
        public Duration readTimeout() {
            return helidon.readTimeout();
        }

        @Override
        public Optional<Integer> socketReceiveBufferSize() {
            return helidon.socketReceiveBufferSize();
        }

        @Override
        public Optional<Integer> socketSendBufferSize() {
            return helidon.socketSendBufferSize();
        }

        @Override
        public boolean socketReuseAddress() {
            return helidon.socketReuseAddress();
        }

        @Override
        public boolean socketKeepAlive() {
            return helidon.socketKeepAlive();
        }

        @Override
        public boolean tcpNoDelay() {
            return helidon.tcpNoDelay();
        }
    }
}
