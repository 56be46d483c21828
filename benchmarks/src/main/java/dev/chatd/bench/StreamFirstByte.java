package dev.chatd.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Time to the first token of a streamed reply, per target, interleaved (A B C A B C) over one
 * kept-alive connection each, so that every target is measured on the same footing: no process
 * start, no client library between the socket and the clock. It writes the request, then reads
 * the reply off the socket and notes two times: the first byte of the body (after the headers and
 * a chunk-size line), and the first byte that completes the first token's text ({@code tok0}, what
 * {@code bench/StreamingFake.java} sends in its first chunk), whatever the ingress's format around
 * it. The second is what a user feels; the first can come earlier when a gateway sends an opening
 * event of its own.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.chatd.bench.StreamFirstByte SAMPLES WARMUP NAME=URL=BODY_FILE ...</pre>
 *
 * Prints one line per target: {@code name first_byte_p50 first_byte_p90 first_token_p50
 * first_token_p90 samples} (milliseconds).
 */
public final class StreamFirstByte {
    private static final byte[] TOKEN = "tok0".getBytes(StandardCharsets.US_ASCII);

    private StreamFirstByte() {}

    public static void main(String[] args) throws Exception {
        int samples = Integer.parseInt(args[0]);
        int warmup = Integer.parseInt(args[1]);
        List<Target> targets = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String[] parts = args[i].split("=", 3);
            targets.add(new Target(parts[0], URI.create(parts[1]), Files.readAllBytes(Path.of(parts[2])), samples));
        }
        for (int i = 0; i < warmup + samples; i++) {
            for (Target target : targets) {
                target.sample(i >= warmup);
            }
        }
        for (Target target : targets) {
            target.close();
            System.out.printf(
                    Locale.ROOT,
                    "%s %.3f %.3f %.3f %.3f %d%n",
                    target.name,
                    percentile(target.firstByte, target.count, 50),
                    percentile(target.firstByte, target.count, 90),
                    percentile(target.firstToken, target.count, 50),
                    percentile(target.firstToken, target.count, 90),
                    target.count);
        }
    }

    private static double percentile(long[] nanos, int count, int p) {
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int index = Math.max(0, (int) Math.ceil(p / 100.0 * count) - 1);
        return sorted[index] / 1e6;
    }

    /** One target: its request, its connection and its samples. */
    private static final class Target {
        final String name;
        final URI uri;
        final byte[] request;
        final long[] firstByte;
        final long[] firstToken;
        int count;
        Socket socket;
        InputStream in;
        OutputStream out;

        Target(String name, URI uri, byte[] body, int samples) {
            this.name = name;
            this.uri = uri;
            String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: application/json\r\nAccept: text/event-stream, application/x-ndjson\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(body);
            this.request = request.toByteArray();
            this.firstByte = new long[samples];
            this.firstToken = new long[samples];
        }

        void sample(boolean record) throws IOException {
            if (socket == null) {
                socket = new Socket(uri.getHost(), uri.getPort());
                socket.setTcpNoDelay(true);
                in = new BufferedInputStream(socket.getInputStream(), 65536);
                out = socket.getOutputStream();
            }
            long start = System.nanoTime();
            out.write(request);
            out.flush();
            Reply reply = new Reply(in);
            reply.readHead(name);
            long firstByteAt = 0;
            long tokenAt = 0;
            int matched = 0;
            for (int b; (b = reply.read()) >= 0; ) {
                if (firstByteAt == 0) {
                    firstByteAt = System.nanoTime();
                }
                if (tokenAt == 0) {
                    matched = b == TOKEN[matched] ? matched + 1 : (b == TOKEN[0] ? 1 : 0);
                    if (matched == TOKEN.length) {
                        tokenAt = System.nanoTime();
                    }
                }
            }
            if (tokenAt == 0) {
                throw new IOException(name + ": the stream ended without the first token");
            }
            if (reply.close) {
                close();
            }
            if (record) {
                firstByte[count] = firstByteAt - start;
                firstToken[count] = tokenAt - start;
                count++;
            }
        }

        void close() throws IOException {
            if (socket != null) {
                socket.close();
                socket = null;
            }
        }
    }

    /** One HTTP/1.1 reply read off the socket: the head, then the body byte by byte, de-chunked. */
    private static final class Reply {
        final InputStream in;
        boolean chunked;
        boolean close;
        long remaining = -1; // bytes left in the current chunk or the fixed-length body; -1: read to EOF
        boolean done;

        Reply(InputStream in) {
            this.in = in;
        }

        void readHead(String name) throws IOException {
            String status = line();
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IOException(name + ": " + status);
            }
            for (String header; !(header = line()).isEmpty(); ) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("content-length:")) {
                    remaining = Long.parseLong(lower.substring(15).trim());
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    close = true;
                }
            }
            if (chunked) {
                remaining = 0;
            } else if (remaining < 0) {
                close = true;
            }
        }

        int read() throws IOException {
            if (done) {
                return -1;
            }
            if (chunked && remaining == 0) {
                String size = line();
                if (size.isEmpty()) { // the CRLF that ends the previous chunk
                    size = line();
                }
                remaining = Long.parseLong(size.split(";", 2)[0].trim(), 16);
                if (remaining == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    done = true;
                    return -1;
                }
            } else if (!chunked && remaining == 0) {
                done = true;
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                if (remaining > 0) {
                    throw new EOFException("the reply ended early");
                }
                done = true;
                return -1;
            }
            remaining--;
            return b;
        }

        String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    throw new EOFException("the connection closed mid-reply");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }
}
