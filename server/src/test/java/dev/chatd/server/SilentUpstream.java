package dev.chatd.server;

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
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An Ollama upstream on a raw socket on 127.0.0.1 that answers a stream with its headers and
 * one NDJSON line, then says nothing, and notes when chatd closes the connection. It reads its
 * socket while silent, which is how it sees the close (FakeUpstream's HttpServer sees one only
 * when a write fails, and a silent upstream writes nothing).
 */
final class SilentUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final String firstLine;
    private final BlockingQueue<Long> closes = new LinkedBlockingQueue<>();
    private final BlockingQueue<Long> answered = new LinkedBlockingQueue<>();

    private SilentUpstream(ServerSocket server, String firstLine) {
        this.server = server;
        this.firstLine = firstLine;
    }

    /** Answers every {@code POST /api/chat} with {@code firstLine} and then silence. */
    static SilentUpstream start(String firstLine) {
        try {
            SilentUpstream upstream =
                    new SilentUpstream(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), firstLine);
            Thread.ofVirtual().name("silent-upstream").start(upstream::accept);
            return upstream;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the silent upstream", e);
        }
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Waits for a request to be answered; false if none was within {@code max}. */
    boolean awaitAnswered(Duration max) throws InterruptedException {
        return answered.poll(max.toMillis(), TimeUnit.MILLISECONDS) != null;
    }

    /** When chatd next closed a connection ({@link System#nanoTime()}), or -1 if it did not within {@code max}. */
    long awaitClosed(Duration max) throws InterruptedException {
        Long at = closes.poll(max.toMillis(), TimeUnit.MILLISECONDS);
        return at == null ? -1 : at;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().name("silent-upstream-conn").start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            long length = contentLength(head(in));
            in.readNBytes((int) length);
            OutputStream out = socket.getOutputStream();
            byte[] line = (firstLine + "\n").getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(line.length) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(line);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            answered.add(System.nanoTime());
            while (in.read() >= 0) {
                // chatd sends nothing more on this connection; only its close ends the loop
            }
        } catch (IOException e) {
            // a reset is a close too
        }
        closes.add(System.nanoTime());
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring("content-length:".length()).strip());
            }
        }
        throw new IllegalStateException("the silent upstream expects a Content-Length: " + head);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
