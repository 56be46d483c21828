package dev.chatd.core.transport;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.webclient.api.ClientConnection;
import io.helidon.webclient.api.TcpClientConnection;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * One connection to an upstream, lent to one exchange at a time by the {@link ConnectionPool}
 * and handed to Helidon's HTTP/1.1 client as the request's explicit connection.
 *
 * <p>Its reader counts the bytes that arrive. Helidon's client reads a whole chunk of a chunked
 * body into memory before handing out a byte of it, so an upstream announcing a 2 GiB chunk
 * would fill the heap before any limit in chatd's own reading could act; here the exchange
 * fails once more than its limit has arrived or waits unread.
 */
final class PooledConnection implements ClientConnection {
    private static final byte[] HTTP_1_0 = "HTTP/1.0".getBytes(StandardCharsets.US_ASCII);

    /** What an exchange may receive: in all, and waiting unread at once; past either, {@code tooLarge} is thrown. */
    record Limits(long total, long unread, Supplier<RuntimeException> tooLarge) {}

    private final ConnectionPool pool;
    private final ConnectionPool.Host host;
    private final TcpClientConnection tcp;
    private final DataReader reader;

    private boolean leased;
    private boolean closed;
    private long exchange;
    private long idleSince;

    // The current exchange's, touched only by the thread reading it.
    private volatile Limits limits;
    private long received;
    private final byte[] statusPrefix = new byte[HTTP_1_0.length];
    private volatile boolean reusable;

    PooledConnection(ConnectionPool pool, ConnectionPool.Host host, TcpClientConnection tcp) {
        this.pool = pool;
        this.host = host;
        this.tcp = tcp;
        this.reader = new DataReader(this::pull);
    }

    ConnectionPool.Host host() {
        return host;
    }

    /** Starts an exchange; the number it returns names it for {@link #abort(long)}. */
    synchronized long lease(Limits limits) {
        leased = true;
        this.limits = limits;
        received = 0;
        reusable = true;
        return ++exchange;
    }

    /** Whether not a byte of the current exchange's reply has arrived. */
    boolean nothingReceived() {
        return received == 0;
    }

    /** The next exchange on this connection must not reuse it: its reply ends when the upstream closes, or is unfinished. */
    void forbidReuse() {
        reusable = false;
    }

    /** Closes the connection if exchange {@code number} still holds it; a later exchange's connection is left alone. */
    synchronized void abort(long number) {
        if (leased && exchange == number) {
            close();
        }
    }

    /** Whether it may go back to the pool, where it waits from now on. */
    synchronized boolean returnToPool(long now) {
        if (!leased || closed) {
            return false;
        }
        leased = false;
        if (!reusable || reader.available() > 0) {
            return false;
        }
        idleSince = now;
        return true;
    }

    long idleSince() {
        return idleSince;
    }

    /**
     * Whether a connection that sat idle is still open: a peek with a one-millisecond timeout,
     * as Apache HttpClient does for connections idle a while, since the upstream may have closed
     * it in the meantime. Anything that arrives unasked means it is unusable too.
     */
    boolean stillOpen() {
        try {
            tcp.readTimeout(Duration.ofMillis(1));
            tcp.helidonSocket().get();
            return false;
        } catch (UncheckedIOException e) {
            return e.getCause() instanceof SocketTimeoutException;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private byte[] pull() {
        byte[] bytes = tcp.helidonSocket().get();
        if (bytes == null) {
            reusable = false; // the upstream closed it
            return null;
        }
        if (received < statusPrefix.length) {
            // An HTTP/1.0 reply ends the connection unless it says otherwise; chatd never keeps one.
            int n = (int) Math.min(bytes.length, statusPrefix.length - received);
            System.arraycopy(bytes, 0, statusPrefix, (int) received, n);
            if (received + n == statusPrefix.length && Arrays.equals(statusPrefix, HTTP_1_0)) {
                reusable = false;
            }
        }
        received += bytes.length;
        Limits current = limits;
        if (received > current.total() || (long) reader.available() + bytes.length > current.unread()) {
            reusable = false;
            throw current.tooLarge().get();
        }
        return bytes;
    }

    @Override
    public DataReader reader() {
        return reader;
    }

    @Override
    public DataWriter writer() {
        return tcp.writer();
    }

    @Override
    public String channelId() {
        return tcp.channelId();
    }

    @Override
    public HelidonSocket helidonSocket() {
        return tcp.helidonSocket();
    }

    @Override
    public void readTimeout(Duration readTimeout) {
        tcp.readTimeout(readTimeout);
    }

    /** Helidon calls this when a reply was read to its end: the connection goes back to the pool, or is closed. */
    @Override
    public void releaseResource() {
        pool.release(this);
    }

    @Override
    public void closeResource() {
        close();
    }

    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            leased = false;
        }
        tcp.closeResource();
    }
}
