package dev.chatd.tck;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
            return (Map<String, Object>) JsonText.parse(body);
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
    private final CountDownLatch clientGone = new CountDownLatch(1);
    private volatile long clientGoneAt;
    private final Map<String, Long> marks = new ConcurrentHashMap<>();

    private FakeUpstream(HttpServer server) {
        this.server = server;
    }

    public static FakeUpstream start() {
        try {
            // A deep accept queue: load tests open a thousand streams at once.
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2000);
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
        boolean cut = false;
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            Recorded recorded =
                    new Recorded(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()), body);
            requests.add(recorded);
            Responder responder = routes.get(exchange.getRequestMethod() + " " + path);
            if (responder == null) {
                send(exchange, 404, "text/plain", "404 page not found");
                return;
            }
            try {
                responder.respond(recorded, exchange, this);
            } catch (ConnectionCut e) {
                cut = true;
                throw e;
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        } finally {
            // Closing the exchange would end a chunked body properly; a cut leaves that to the
            // server, which then drops the connection mid-body.
            if (!cut) {
                exchange.close();
            }
        }
    }

    /** Blocks until the fake is closed or {@code max} has passed: a hanging upstream. */
    public void hang(Duration max) throws InterruptedException {
        closed.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until a streaming responder failed to write because its client closed the
     * connection, and returns when that was ({@link System#nanoTime()}), or -1 if it did not
     * happen within {@code max}.
     */
    public long awaitClientGone(Duration max) throws InterruptedException {
        return clientGone.await(max.toMillis(), TimeUnit.MILLISECONDS) ? clientGoneAt : -1;
    }

    /** When a {@link StreamScript#mark(String)} step of that name ran ({@link System#nanoTime()}), or -1. */
    public long markedAt(String name) {
        return marks.getOrDefault(name, -1L);
    }

    private void clientWentAway() {
        if (clientGone.getCount() > 0) {
            clientGoneAt = System.nanoTime();
            clientGone.countDown();
        }
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

    // ---- streaming ----

    /** Thrown by a responder to drop the connection without ending the body. */
    public static final class ConnectionCut extends IOException {
        private static final long serialVersionUID = 1L;

        public ConnectionCut() {
            super("fake upstream cuts the connection mid-body");
        }
    }

    /** A streamed 200 with a chunked body of {@code contentType}, scripted step by step. */
    public static StreamScript stream(String contentType) {
        return new StreamScript(contentType);
    }

    /** Ollama's streamed {@code /api/chat}: one JSON object a line. */
    public static StreamScript ndjson() {
        return stream("application/x-ndjson");
    }

    /** An OpenAI-style server-sent event stream. */
    public static StreamScript sse() {
        return stream("text/event-stream");
    }

    /**
     * A streamed body, written and flushed a piece at a time. A write that fails because the
     * client closed the connection is recorded ({@link #awaitClientGone(Duration)}) and ends the
     * answer. The same script answers every request routed to it.
     */
    public static final class StreamScript implements Responder {
        /** One step of the script. */
        @FunctionalInterface
        public interface Step {
            void run(OutputStream out, FakeUpstream upstream) throws Exception;
        }

        private final String contentType;
        private final List<Step> steps = new ArrayList<>();
        private Duration headersAfter = Duration.ZERO;

        private StreamScript(String contentType) {
            this.contentType = contentType;
        }

        /** Sends the status and headers only after {@code delay}: a model that takes its time to load. */
        public StreamScript headersAfter(Duration delay) {
            this.headersAfter = delay;
            return this;
        }

        /** Writes {@code text} as it is and flushes it. */
        public StreamScript write(String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return then((out, up) -> {
                out.write(bytes);
                out.flush();
            });
        }

        /** Writes each of {@code json} as one NDJSON line, flushing each. */
        public StreamScript lines(String... json) {
            for (String line : json) {
                write(line + "\n");
            }
            return this;
        }

        /** Writes each of {@code json} as one SSE event {@code data: <json>}, flushing each. */
        public StreamScript events(String... json) {
            for (String data : json) {
                write("data: " + data + "\n\n");
            }
            return this;
        }

        /** Writes {@code data: [DONE]}. */
        public StreamScript done() {
            return write("data: [DONE]\n\n");
        }

        public StreamScript pause(Duration pause) {
            return then((out, up) -> Thread.sleep(pause.toMillis()));
        }

        /** Waits for {@code latch} (at most {@code max}) before going on. */
        public StreamScript await(CountDownLatch latch, Duration max) {
            return then((out, up) -> latch.await(max.toMillis(), TimeUnit.MILLISECONDS));
        }

        /** Falls silent (headers and what was written so far, then nothing) until the fake closes or {@code max} passes. */
        public StreamScript hang(Duration max) {
            return then((out, up) -> up.hang(max));
        }

        /** Records the instant this step runs, under {@code name}. */
        public StreamScript mark(String name) {
            return then((out, up) -> up.marks.put(name, System.nanoTime()));
        }

        /** Writes {@code text} every {@code period} until the client goes away or {@code max} has passed. */
        public StreamScript repeat(String text, Duration period, Duration max) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return then((out, up) -> {
                long end = System.nanoTime() + max.toNanos();
                while (System.nanoTime() < end) {
                    out.write(bytes);
                    out.flush();
                    Thread.sleep(period.toMillis());
                }
            });
        }

        /** Drops the connection without ending the body: an upstream that dies mid-stream. */
        public StreamScript cut() {
            return then((out, up) -> {
                throw new ConnectionCut();
            });
        }

        public StreamScript then(Step step) {
            steps.add(step);
            return this;
        }

        @Override
        public void respond(Recorded request, HttpExchange exchange, FakeUpstream upstream) throws Exception {
            Thread.sleep(headersAfter.toMillis());
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            try {
                out.flush(); // the headers go out now, not with the first piece of the body
            } catch (IOException e) {
                upstream.clientWentAway();
                return;
            }
            for (Step step : steps) {
                try {
                    step.run(out, upstream);
                } catch (ConnectionCut e) {
                    throw e;
                } catch (IOException e) {
                    upstream.clientWentAway();
                    return;
                }
            }
        }
    }
}
