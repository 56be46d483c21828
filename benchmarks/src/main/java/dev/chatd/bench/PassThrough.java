package dev.chatd.bench;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor the benchmark holds chatd against: the same stack (Helidon WebServer and WebClient,
 * same version) doing nothing but relay bytes. It reads each request's body, POSTs it to the
 * upstream at the same path, and answers with the upstream's status, content type and body; a
 * reply without a {@code Content-Length} (a stream) is relayed as it arrives, flushed per read.
 * No JSON, no routing, no logging: what is left is the cost of two HTTP exchanges on this stack,
 * written the plain way (whole bodies as byte arrays), as a first gateway would be.
 *
 * <p>{@code bench/run.sh} builds it ({@code benchmarks/target/passthrough.jar}) and starts it with
 * {@code bin/chatd}'s JVM flags. Each argument is one listener, {@code port=upstream-base-url}:
 *
 * <pre>CHATD_JAR=benchmarks/target/passthrough.jar bin/chatd 9001=http://127.0.0.1:8080 9002=http://127.0.0.1:8081</pre>
 *
 * <p>A first argument {@code --client=jetty} or {@code --client=apache} makes the upstream call
 * with the Jetty 12 HTTP client ({@link JettyRelay}) or Apache HttpClient 5 classic
 * ({@link ApacheRelay}) instead of Helidon's WebClient; the server side stays the same, so only
 * the client differs ({@code BENCH_CLIENTS=1 bench/run.sh}).
 */
public final class PassThrough {
    private PassThrough() {}

    public static void main(String[] args) {
        String client = "helidon";
        List<String> listeners = new ArrayList<>(List.of(args));
        if (!listeners.isEmpty() && listeners.get(0).startsWith("--client=")) {
            client = listeners.remove(0).substring("--client=".length());
        }
        if (listeners.isEmpty() || !List.of("helidon", "jetty", "apache").contains(client)) {
            System.err.println("usage: PassThrough [--client=helidon|jetty|apache] PORT=UPSTREAM_BASE_URL ...");
            System.exit(2);
        }
        List<WebServer> servers = new ArrayList<>();
        for (String arg : listeners) {
            int eq = arg.indexOf('=');
            int port = Integer.parseInt(arg.substring(0, eq));
            String base = arg.substring(eq + 1);
            Handler handler = switch (client) {
                case "jetty" -> JettyRelay.relay(base);
                case "apache" -> ApacheRelay.relay(base);
                default ->
                    relay(WebClient.builder()
                            .baseUri(base)
                            .connectTimeout(Duration.ofSeconds(5))
                            .followRedirects(false)
                            .build());
            };
            // TCP_NODELAY as chatd sets it: without it small replies wait ~40 ms for delayed ACKs.
            servers.add(WebServer.builder()
                    .host("127.0.0.1")
                    .port(port)
                    .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                    .routing(routing -> routing.any(handler))
                    .build()
                    .start());
            System.out.println("pass-through (" + client + " client) on " + port + " to " + base);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(WebServer::stop)));
    }

    private static Handler relay(WebClient upstream) {
        return (ServerRequest req, ServerResponse res) -> {
            byte[] body = req.content().inputStream().readAllBytes();
            var call = upstream.post(req.path().path());
            req.headers().contentType().ifPresent(call::contentType);
            try (HttpClientResponse reply = call.submit(body)) {
                res.status(reply.status());
                reply.headers().contentType().ifPresent(res.headers()::contentType);
                if (reply.headers().contains(HeaderNames.CONTENT_LENGTH)) {
                    res.send(reply.inputStream().readAllBytes());
                } else {
                    stream(reply.inputStream(), res);
                }
            }
        };
    }

    static void stream(InputStream in, ServerResponse res) throws IOException {
        byte[] buffer = new byte[8192];
        try (OutputStream out = res.outputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                out.flush(); // each upstream chunk goes out at once: the caller waits for its first token
            }
        }
    }
}
