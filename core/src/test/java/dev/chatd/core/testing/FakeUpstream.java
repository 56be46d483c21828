package dev.chatd.core.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chatd.core.json.JsonCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on 127.0.0.1 and a free port that plays an upstream in tests: each route
 * answers with a scripted {@link Responder}, and every request is recorded (method, path,
 * headers, body) for assertions. Close it to stop it; hanging responders are released.
 */
public final class FakeUpstream implements AutoCloseable {

    /** One request as the upstream received it. */
    public record Recorded(String method, String path, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @SuppressWarnings("unchecked")
        public Map<String, Object> json() {
            return (Map<String, Object>) JsonCodec.parse(body);
        }
    }

    /** Scripts one answer. */
    @FunctionalInterface
    public interface Responder {
        void respond(Recorded request, HttpExchange exchange, FakeUpstream upstream) throws Exception;
    }

    private final HttpServer server;
    private final Map<String, Responder> routes = new ConcurrentHashMap<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private FakeUpstream(HttpServer server) {
        this.server = server;
    }

    public static FakeUpstream start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            FakeUpstream fake = new FakeUpstream(server);
            server.createContext("/", fake::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start fake upstream", e);
        }
    }

    /** Answers {@code method path} with {@code responder}, replacing any earlier script for it. */
    public FakeUpstream on(String method, String path, Responder responder) {
        routes.put(method + " " + path, responder);
        return this;
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public Recorded lastRequest() {
        if (requests.isEmpty()) {
            throw new AssertionError("the fake upstream received no request");
        }
        return requests.get(requests.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            Recorded recorded = new Recorded(exchange.getRequestMethod(), path,
                    Map.copyOf(exchange.getRequestHeaders()), body);
            requests.add(recorded);
            Responder responder = routes.get(exchange.getRequestMethod() + " " + path);
            if (responder == null) {
                send(exchange, 404, "text/plain", "404 page not found");
                return;
            }
            try {
                responder.respond(recorded, exchange, this);
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }

    /** Blocks until the fake is closed or {@code max} has passed: a hanging upstream. */
    public void hang(Duration max) throws InterruptedException {
        closed.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }

    // ---- responders ----

    public static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Answers with a JSON body. */
    public static Responder json(int status, String body) {
        return (req, ex, up) -> send(ex, status, "application/json; charset=utf-8", body);
    }

    /** Answers with a JSON body and extra headers ({@code name, value, name, value, …}). */
    public static Responder json(int status, String body, String... headers) {
        return (req, ex, up) -> {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                ex.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            send(ex, status, "application/json", body);
        };
    }

    /** Answers with any body and content type. */
    public static Responder body(int status, String contentType, String body) {
        return (req, ex, up) -> send(ex, status, contentType, body);
    }

    /** Never answers, until the fake closes. */
    public static Responder hanging() {
        return (req, ex, up) -> up.hang(Duration.ofMinutes(2));
    }

    /** Closes the connection without a byte of answer: a crashed or resetting upstream. */
    public static Responder dropConnection() {
        return (req, ex, up) -> {
            throw new IOException("fake upstream drops the connection");
        };
    }

    /** Promises a body it never finishes: headers, half the bytes, then the connection closes. */
    public static Responder truncated(String body) {
        return (req, ex, up) -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, bytes.length);
            OutputStream out = ex.getResponseBody();
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
            throw new IOException("fake upstream cuts the body");
        };
    }
}
