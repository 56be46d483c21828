package dev.chatd.tck;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that speaks raw bytes on a socket on 127.0.0.1, for what a well-behaved HTTP
 * server will not do: trickle a body, never finish a TLS handshake, announce 2 GiB, answer in
 * HTTP/1.0 and close, keep a connection or drop it. Each accepted connection runs the
 * {@link Script} on a virtual thread of its own; closing the upstream closes every connection.
 */
public final class RawUpstream implements AutoCloseable {

    /** Serves one connection: read requests with {@link #readRequest}, write what the test wants. */
    @FunctionalInterface
    public interface Script {
        void serve(Connection connection) throws Exception;
    }

    /** One accepted connection. */
    public static final class Connection {
        private final RawUpstream owner;
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final int number;

        Connection(RawUpstream owner, Socket socket, int number) throws IOException {
            this.owner = owner;
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.number = number;
        }

        /** 1 for the first connection accepted, 2 for the next, … */
        public int number() {
            return number;
        }

        public InputStream in() {
            return in;
        }

        /** Reads one request (head and a Content-Length body); null when the client closed the connection. */
        public String readRequest() throws IOException {
            return RawUpstream.readRequest(in);
        }

        public void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        public void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Blocks until the client closes its side (or resets); true if it did within {@code max}. */
        public boolean awaitClientClose(Duration max) throws IOException {
            socket.setSoTimeout((int) Math.max(1, max.toMillis()));
            try {
                while (in.read() >= 0) {
                    // discard anything else the client sends
                }
                return true;
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }

        /** Waits (at most two minutes) for the client to hang up, and notes when it did for {@link #awaitClientClosed}. */
        public void awaitAndNoteClientClose() throws IOException {
            if (awaitClientClose(Duration.ofMinutes(2))) {
                owner.clientClosedAt.add(System.nanoTime());
            }
        }

        public void close() throws IOException {
            socket.close();
        }
    }

    private final ServerSocket server;
    private final Script script;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Long> clientClosedAt = new LinkedBlockingQueue<>();
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean closed;

    private RawUpstream(ServerSocket server, Script script) {
        this.server = server;
        this.script = script;
    }

    public static RawUpstream start(Script script) {
        try {
            RawUpstream upstream = new RawUpstream(new ServerSocket(0, 2000, InetAddress.getLoopbackAddress()), script);
            Thread.ofVirtual().name("raw-upstream-accept").start(upstream::accept);
            return upstream;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start raw upstream", e);
        }
    }

    private void accept() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(socket);
            int number = accepted.incrementAndGet();
            open.incrementAndGet();
            Thread.ofVirtual().name("raw-upstream-" + number).start(() -> serve(socket, number));
        }
    }

    private void serve(Socket socket, int number) {
        try (socket) {
            script.serve(new Connection(this, socket, number));
        } catch (Exception e) {
            // the client went away or the test closed the upstream
        } finally {
            open.decrementAndGet();
        }
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** The same port named with https: a client will attempt a TLS handshake with whatever the script does. */
    public URI httpsUrl() {
        return URI.create("https://127.0.0.1:" + server.getLocalPort());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Connections whose script is still running. */
    public int open() {
        return open.get();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    // ---- scripts ----

    /** Reads one request's head and its Content-Length body; null at the end of the stream. */
    public static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        int b;
        while (state < 4 && (b = in.read()) >= 0) {
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1
                    : b == '\r' ? 1 : 0;
        }
        if (state < 4) {
            return null;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        byte[] body = in.readNBytes(length);
        return text + new String(body, StandardCharsets.UTF_8);
    }

    /** Answers every request on the connection with {@code reply} (a whole HTTP response), keeping it open. */
    public static Script answering(String reply) {
        return connection -> {
            while (connection.readRequest() != null) {
                connection.write(reply);
            }
        };
    }

    /** Reads the request, writes {@code reply}, then closes: HTTP/1.0 and {@code Connection: close} servers. */
    public static Script answeringOnceAndClosing(String reply) {
        return connection -> {
            if (connection.readRequest() != null) {
                connection.write(reply);
            }
        };
    }

    /** Reads the request and never answers, until the client hangs up; notes when it did. */
    public static Script silent() {
        return connection -> {
            connection.readRequest();
            connection.awaitAndNoteClientClose();
        };
    }

    /**
     * Reads the request, writes {@code head} (status line and headers), then one byte of
     * {@code body} every {@code period}, round and round, until the client hangs up (noted).
     */
    public static Script trickling(String head, String body, Duration period) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return connection -> {
            connection.readRequest();
            connection.write(head);
            try {
                for (int i = 0; ; i = (i + 1) % bytes.length) {
                    Thread.sleep(period.toMillis());
                    connection.write(new byte[] {bytes[i]});
                }
            } catch (IOException e) {
                connection.owner.clientClosedAt.add(System.nanoTime());
            }
        };
    }

    /**
     * Reads the request, writes {@code head}, then {@code piece} over and over as fast as the
     * client takes it, until it hangs up: an endless body.
     */
    public static Script endless(String head, byte[] piece) {
        return connection -> {
            connection.readRequest();
            connection.write(head);
            try {
                while (true) {
                    connection.write(piece);
                }
            } catch (IOException e) {
                connection.owner.clientClosedAt.add(System.nanoTime());
            }
        };
    }

    /** Reads what arrives and never answers: a TLS client's hello goes unanswered. Notes when the client hangs up. */
    public static Script stalledHandshake() {
        return Connection::awaitAndNoteClientClose;
    }

    /** Waits for a script to note that its client hung up; the instant ({@link System#nanoTime()}) or -1. */
    public long awaitClientClosed(Duration max) throws InterruptedException {
        Long at = clientClosedAt.poll(max.toMillis(), TimeUnit.MILLISECONDS);
        return at == null ? -1 : at;
    }
}
