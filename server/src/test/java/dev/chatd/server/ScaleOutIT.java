package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out: two packaged chatd processes (with {@code bin/chatd}'s JVM flags) behind nginx on
 * 127.0.0.1, configured by the README's recipe, {@code deploy/nginx/chatd.conf}. Requests and
 * streams of every kind are served by both replicas; then one replica gets SIGTERM while
 * streams run on it and clients keep sending: its streams finish (the drain), the requests it
 * refuses with 503 {@code shutting_down} while draining and those that meet its closed port
 * are served by the other one, and every request the clients sent gets a 200 with its whole
 * body, executed exactly once. Each request carries its own {@code X-Request-Id}, which each
 * replica writes in its access log, so the test knows which replica served what.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ScaleOutIT {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Pattern ACCESS = Pattern.compile("access id=(\\S+) .* status=(\\d+)");
    private static final Pattern IN_FLIGHT = Pattern.compile("requests in flight \\((\\d+)\\)");
    private static final Integer OK = 200;
    private static final int TICKS = 10;
    private static final Duration TICK = Duration.ofMillis(300); // a stream lasts 3 s
    private static final String DONE = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}";
    private static final String REPLY =
            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"pong\"},"
                    + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":1}";

    /** The kinds of call the clients send, in turn: a stream on each ingress and a plain call. */
    private enum Kind {
        CHAT_STREAM("/chat", true),
        OPENAI_STREAM("/v1/chat/completions", true),
        OLLAMA_STREAM("/api/chat", true),
        CHAT("/chat", false);

        final String path;
        final boolean stream;

        Kind(String path, boolean stream) {
            this.path = path;
            this.stream = stream;
        }

        String body() {
            return "{\"model\":\"ollama/llama3.2\",\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        }

        /** Whether {@code body} is this kind's whole answer: every chunk and the proper end. */
        boolean complete(String body) {
            return switch (this) {
                case CHAT_STREAM ->
                    body.contains("tick" + (TICKS - 1))
                            && body.contains("\"finish_reason\":\"stop\"")
                            && !body.contains("event: error");
                case OPENAI_STREAM ->
                    body.contains("tick" + (TICKS - 1)) && body.strip().endsWith("data: [DONE]");
                case OLLAMA_STREAM ->
                    body.contains("tick" + (TICKS - 1))
                            && body.strip()
                                    .lines()
                                    .reduce((a, b) -> b)
                                    .orElse("")
                                    .contains("\"done\":true");
                case CHAT -> body.contains("pong");
            };
        }
    }

    /** One request as its client saw it. */
    private record Call(String id, Kind kind, long sentAt, long endedAt, int status, String body) {
        boolean ok() {
            return status == 200 && kind.complete(body);
        }
    }

    @TempDir
    Path dir;

    private final FakeUpstream ollama = FakeUpstream.start();
    private final List<AutoCloseable> started = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : started.reversed()) {
            c.close();
        }
        ollama.close();
    }

    @Test
    void bothReplicasServeAndStoppingOneLosesNoRequestThatHadNotStarted() throws Exception {
        Path nginxBinary = LoopbackNginx.executable(); // first: without nginx, say so before anything starts
        ollama.on("POST", "/api/chat", (req, ex, up) -> {
            if (req.bodyText().contains("\"stream\":false")) {
                Thread.sleep(1000);
                FakeUpstream.json(200, REPLY).respond(req, ex, up);
                return;
            }
            FakeUpstream.StreamScript threeSeconds = FakeUpstream.ndjson();
            for (int i = 0; i < TICKS; i++) {
                threeSeconds.lines(tick(i)).pause(TICK);
            }
            threeSeconds.lines(DONE).respond(req, ex, up);
        });
        ChatdProcess a = chatd("a");
        ChatdProcess b = chatd("b");
        int port = LoopbackNginx.freePort();
        LoopbackNginx nginx = LoopbackNginx.start(dir.resolve("nginx"), recipe(a.port(), b.port(), port), port);
        started.add(nginx);
        String diagnostics = "nginx " + nginxBinary + "; its log (id status replicas):\n";

        // 1. Both replicas serve requests and streams.
        List<Call> spread = runConcurrently(port, 8);
        assertThat(spread).allSatisfy(c -> assertThat(c.ok()).as(c.toString()).isTrue());
        awaitLogged(spread, a, b);
        Map<String, Integer> servedByA = served(a);
        Map<String, Integer> servedByB = served(b);
        assertThat(spread)
                .as("each request served once, by one replica")
                .allSatisfy(c -> assertThat(servedByA.containsKey(c.id()) ^ servedByB.containsKey(c.id()))
                        .as(c.id())
                        .isTrue());
        assertThat(spread.stream().filter(c -> c.kind().stream && servedByA.containsKey(c.id())))
                .as("streams on replica a")
                .isNotEmpty();
        assertThat(spread.stream().filter(c -> c.kind().stream && servedByB.containsKey(c.id())))
                .as("streams on replica b")
                .isNotEmpty();

        // 2. Clients keep sending; replica a gets SIGTERM with streams in flight, drains and exits.
        AtomicBoolean sending = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int first = i;
            clients.add(Thread.ofVirtual().start(() -> {
                for (int n = first; sending.get(); n++) {
                    calls.add(call(port, Kind.values()[n % Kind.values().length]));
                }
            }));
        }
        Thread.sleep(1500); // every client has a stream or call running, on both replicas
        long signalled = System.nanoTime();
        a.process().destroy();
        assertThat(a.awaitOutput("chatd shutting down", 5)).isTrue();
        assertThat(a.process().waitFor(30, TimeUnit.SECONDS))
                .as("replica a drained and exited")
                .isTrue();
        long exited = System.nanoTime();
        assertThat(a.process().exitValue()).isZero();
        // Past nginx's fail_timeout (5 s), so that it tries a's closed port again ("error") too.
        Thread.sleep(7000);
        sending.set(false);
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(30));
        }

        List<Call> all = List.copyOf(calls);
        System.out.printf(
                "scale-out: %d calls while replica a stopped, %d served by a, %d by b, %d refused by a and retried%n",
                all.size(),
                all.stream().filter(c -> OK.equals(served(a).get(c.id()))).count(),
                all.stream().filter(c -> OK.equals(served(b).get(c.id()))).count(),
                served(a).values().stream().filter(s -> s == 503).count());
        String nginxLog = diagnostics + nginx.accessLog() + "\n" + nginx.errorLog();
        assertThat(all)
                .as("every request got a 200 and its whole body\n" + nginxLog)
                .allSatisfy(c -> assertThat(c.ok()).as(c.toString()).isTrue());

        awaitLogged(all, a, b);
        Map<String, Integer> byA = served(a);
        Map<String, Integer> byB = served(b);
        Matcher drained = IN_FLIGHT.matcher(a.text());
        assertThat(drained.find()).as(a.text()).isTrue();
        assertThat(Integer.parseInt(drained.group(1)))
                .as("streams in flight on replica a when it was stopped")
                .isPositive();
        Set<String> refusedByA = byA.entrySet().stream()
                .filter(e -> e.getValue() == 503)
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        assertThat(refusedByA)
                .as("requests replica a refused (503 shutting_down) while draining\n" + nginxLog)
                .isNotEmpty();
        assertThat(refusedByA)
                .as("each one served by replica b instead")
                .allSatisfy(id -> assertThat(byB).containsEntry(id, 200));
        assertThat(all)
                .as("each request executed exactly once: a 200 on one replica")
                .allSatisfy(c -> assertThat((OK.equals(byA.get(c.id())) ? 1 : 0) + (OK.equals(byB.get(c.id())) ? 1 : 0))
                        .as(c.id() + " a=" + byA.get(c.id()) + " b=" + byB.get(c.id()))
                        .isEqualTo(1));
        assertThat(all.stream()
                        .filter(c -> OK.equals(byA.get(c.id())) && c.sentAt() < signalled && c.endedAt() > signalled))
                .as("requests in flight on replica a when it got SIGTERM, finished by it")
                .isNotEmpty();
        List<Call> afterExit = all.stream().filter(c -> c.sentAt() > exited).toList();
        assertThat(afterExit).as("requests sent after replica a exited").hasSizeGreaterThan(5);
        assertThat(afterExit).allSatisfy(c -> assertThat(byB).containsEntry(c.id(), 200));
        assertThat(nginx.errorLog())
                .as("nginx met replica a's closed port and went on to b")
                .contains("Connection refused");
        assertThat(b.isAlive()).isTrue();
    }

    private ChatdProcess chatd(String name) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name));
        ChatdProcess chatd = ChatdProcess.start(
                ChatdProcess.jar(), home, """
                server:
                  host: 127.0.0.1
                  port: 0
                chatd:
                  shutdown-grace-secs: 20
                  providers:
                    ollama:
                      base-url: %s
                    ollama_cloud:
                      key-file: ""
                    openrouter:
                      key-file: ""
                    opencode:
                      key-file: ""
                """.formatted(ollama.baseUrl()), Map.of(), ChatdProcess.launchFlags());
        started.add(chatd);
        return chatd;
    }

    /** The README's nginx recipe with this run's ports in place of its example ones. */
    private static String recipe(int a, int b, int listen) throws IOException {
        String recipe =
                Files.readString(Path.of(System.getProperty("chatd.nginx-recipe", "../deploy/nginx/chatd.conf")));
        assertThat(recipe).contains("127.0.0.1:8081", "127.0.0.1:8082", "listen 127.0.0.1:8080;");
        return recipe.replace("127.0.0.1:8081", "127.0.0.1:" + a)
                .replace("127.0.0.1:8082", "127.0.0.1:" + b)
                .replace("listen 127.0.0.1:8080;", "listen 127.0.0.1:" + listen + ";");
    }

    /** {@code n} calls at once, of every kind in turn. */
    private List<Call> runConcurrently(int port, int n) throws InterruptedException {
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Kind kind = Kind.values()[i % Kind.values().length];
            threads.add(Thread.ofVirtual().start(() -> calls.add(call(port, kind))));
        }
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(30));
        }
        assertThat(calls).hasSize(n);
        return List.copyOf(calls);
    }

    private Call call(int port, Kind kind) {
        String id = "scale-" + ids.incrementAndGet();
        long sentAt = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + kind.path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header(RequestIds.HEADER, id)
                .POST(HttpRequest.BodyPublishers.ofString(kind.body()))
                .build();
        try {
            HttpResponse<String> reply = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Call(id, kind, sentAt, System.nanoTime(), reply.statusCode(), reply.body());
        } catch (IOException e) {
            return new Call(id, kind, sentAt, System.nanoTime(), -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Call(id, kind, sentAt, System.nanoTime(), -1, e.toString());
        }
    }

    /**
     * Waits up to 5 s until each call is in a replica's access log: a replica writes its line
     * when the request is over on its side, which can be just after the client read the last byte.
     */
    private static void awaitLogged(List<Call> calls, ChatdProcess a, ChatdProcess b) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Map<String, Integer> byA = served(a);
            Map<String, Integer> byB = served(b);
            if (calls.stream().allMatch(c -> byA.containsKey(c.id()) || byB.containsKey(c.id()))) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /** Request id → status, from a replica's access log. */
    private static Map<String, Integer> served(ChatdProcess replica) {
        return replica.lines().stream()
                .map(ACCESS::matcher)
                .filter(Matcher::find)
                .collect(Collectors.toMap(m -> m.group(1), m -> Integer.parseInt(m.group(2)), (x, y) -> -2));
    }

    private static String tick(int n) {
        return "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"tick" + n
                + " \"},\"done\":false}";
    }
}
