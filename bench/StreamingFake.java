import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A fake OpenAI-format upstream that streams: CHUNKS SSE chunks (default 20), GAP_MS apart
 * (default 20), then a usage chunk and [DONE], chunked, over kept-alive connections. The status
 * line, the headers and the first chunk (text "tok0") go out in ONE write, as a fast upstream's
 * would, so that a gateway's time to first byte is all its own. Plain sockets rather than the
 * JDK's HttpServer, which writes the headers on their own.
 *
 * <pre>java bench/StreamingFake.java PORT [CHUNKS] [GAP_MS]</pre>
 */
public class StreamingFake {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int chunks = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long gap = args.length > 2 ? Long.parseLong(args[2]) : 20;
        ServerSocket server = new ServerSocket(port, 512, InetAddress.getLoopbackAddress());
        System.out.println("streaming fake on " + port);
        while (true) {
            Socket socket = server.accept();
            Thread.ofVirtual().start(() -> serve(socket, chunks, gap));
        }
    }

    private static void serve(Socket socket, int chunks, long gap) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (readRequest(in)) {
                ByteArrayOutputStream first = new ByteArrayOutputStream();
                first.writeBytes(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                + "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                first.writeBytes(chunk(event(0)));
                out.write(first.toByteArray());
                out.flush();
                for (int i = 1; i < chunks; i++) {
                    Thread.sleep(gap);
                    out.write(chunk(event(i)));
                    out.flush();
                }
                Thread.sleep(gap);
                ByteArrayOutputStream last = new ByteArrayOutputStream();
                last.writeBytes(chunk("data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                        + "\"model\":\"openai/gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":" + chunks + ",\"total_tokens\":"
                        + (9 + chunks) + "}}\n\ndata: [DONE]\n\n"));
                last.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(last.toByteArray());
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the caller went away; nothing to tell anyone
        }
    }

    private static String event(int i) {
        return "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"openai/gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok" + i
                + " \"},\"finish_reason\":null}]}\n\n";
    }

    private static byte[] chunk(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Reads one request (head and body, which it ignores); false when the caller closed. */
    private static boolean readRequest(InputStream in) throws IOException {
        long length = 0;
        boolean chunked = false;
        String line = line(in);
        if (line == null) {
            return false;
        }
        while (!(line = line(in)).isEmpty()) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            for (long size; (size = Long.parseLong(line(in).split(";", 2)[0].trim(), 16)) > 0; ) {
                in.skipNBytes(size + 2);
            }
            while (!line(in).isEmpty()) {
                // trailers
            }
        } else {
            in.skipNBytes(length);
        }
        return true;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                if (line.isEmpty()) {
                    return null;
                }
                throw new EOFException();
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
