package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the packaged JAR as a real process ({@link Process#destroy()} sends it on Linux)
 * with streams in flight on every ingress: those that finish within
 * {@code chatd.shutdown-grace-secs} finish normally, those that do not end with their
 * ingress's error event, a new request meanwhile is refused, and chatd exits 0.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GracefulShutdownIT {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final List<String> PATHS = List.of("/chat", "/v1/chat/completions", "/api/chat");
    private static final String DONE = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}";

    @TempDir
    Path dir;

    private final FakeUpstream ollama = FakeUpstream.start();
    private ChatdProcess chatd;

    @AfterEach
    void stop() throws InterruptedException {
        if (chatd != null) {
            chatd.close();
        }
        ollama.close();
    }

    private static String tick(int n) {
        return "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"tick" + n
                + " \"},\"done\":false}";
    }

    @Test
    void streamsInFlightFinishNewRequestsAreRefusedAndChatdExitsZero() throws Exception {
        FakeUpstream.StreamScript twoSeconds = FakeUpstream.ndjson();
        for (int i = 0; i < 10; i++) {
            twoSeconds.lines(tick(i)).pause(Duration.ofMillis(200));
        }
        ollama.on("POST", "/api/chat", twoSeconds.lines(DONE));
        start(20);

        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            streams.add(open(PATHS.get(i % PATHS.size())));
        }
        for (Stream s : streams) {
            assertThat(s.started.await(10, TimeUnit.SECONDS))
                    .as(s.path + " started")
                    .isTrue();
        }

        chatd.process().destroy();
        long signalled = System.nanoTime();
        assertThat(chatd.awaitOutput("chatd shutting down", 5)).isTrue();
        refusedOrClosed(post("/chat", RunningChatd.streamRequest("ollama/llama3.2")));

        for (Stream s : streams) {
            List<String> lines = s.lines.get(20, TimeUnit.SECONDS);
            String body = String.join("\n", lines);
            assertThat(body).as(s.path).contains("tick9");
            switch (s.path) {
                case "/chat" ->
                    assertThat(body).contains("\"finish_reason\":\"stop\"").doesNotContain("event: error");
                case "/v1/chat/completions" -> assertThat(lastData(lines)).isEqualTo("data: [DONE]");
                default -> assertThat(lines).last().asString().contains("\"done\":true");
            }
        }
        assertThat(chatd.process().waitFor(15, TimeUnit.SECONDS))
                .as("chatd exited")
                .isTrue();
        assertThat(chatd.process().exitValue()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - signalled))
                .as("no waiting for the whole grace")
                .isLessThan(Duration.ofSeconds(12));
        assertThat(chatd.output()).anyMatch(l -> l.contains("chatd stopped"));
        assertThat(chatd.output().stream()
                        .filter(l -> l.contains("access ") && l.contains("outcome=stop"))
                        .count())
                .isEqualTo(10);
    }

    @Test
    void streamsThatOutlastTheGraceEndWithTheirErrorEventAndChatdExitsZero() throws Exception {
        ollama.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().repeat(tick(1) + "\n", Duration.ofMillis(200), Duration.ofSeconds(60)));
        start(2);

        List<Stream> streams = new ArrayList<>();
        for (String path : PATHS) {
            streams.add(open(path));
        }
        for (Stream s : streams) {
            assertThat(s.started.await(10, TimeUnit.SECONDS))
                    .as(s.path + " started")
                    .isTrue();
        }

        chatd.process().destroy();
        long signalled = System.nanoTime();
        for (Stream s : streams) {
            List<String> lines = s.lines.get(20, TimeUnit.SECONDS);
            switch (s.path) {
                case "/chat" -> {
                    assertThat(lines).containsSubsequence("event: error");
                    assertThat(lastData(lines)).contains("\"type\":\"shutting_down\"", "chatd.shutdown-grace-secs");
                }
                case "/v1/chat/completions" -> assertThat(lastData(lines)).contains("\"code\":\"shutting_down\"");
                default -> assertThat(lines).last().asString().startsWith("{\"error\":\"chatd is shutting down");
            }
        }
        assertThat(chatd.process().waitFor(15, TimeUnit.SECONDS))
                .as("chatd exited")
                .isTrue();
        long took = System.nanoTime() - signalled;
        assertThat(chatd.process().exitValue()).isZero();
        assertThat(Duration.ofNanos(took))
                .as("the grace, then a prompt exit")
                .isBetween(Duration.ofMillis(1900), Duration.ofSeconds(10));
        assertThat(chatd.output().stream()
                        .filter(l -> l.contains("outcome=\"ended by shutdown\""))
                        .count())
                .isEqualTo(3);
    }

    private void start(int graceSecs) throws Exception {
        chatd = ChatdProcess.start(ChatdProcess.jar(), dir, """
                server:
                  host: 127.0.0.1
                  port: 0
                chatd:
                  shutdown-grace-secs: %d
                  providers:
                    ollama:
                      base-url: %s
                    ollama_cloud:
                      key-file: ""
                    openrouter:
                      key-file: ""
                    opencode:
                      key-file: ""
                """.formatted(graceSecs, ollama.baseUrl()), Map.of());
    }

    /** One stream being read: its lines once it ended, and a latch for its first line. */
    private record Stream(String path, CountDownLatch started, CompletableFuture<List<String>> lines) {}

    private Stream open(String path) {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<List<String>> lines = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                HttpResponse<java.util.stream.Stream<String>> reply = HTTP.send(
                        request(path, RunningChatd.streamRequest("ollama/llama3.2")),
                        HttpResponse.BodyHandlers.ofLines());
                lines.complete(reply.body()
                        .peek(l -> {
                            if (l.contains("tick")) {
                                started.countDown();
                            }
                        })
                        .collect(Collectors.toList()));
            } catch (IOException | RuntimeException e) {
                lines.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lines.completeExceptionally(e);
            }
        });
        return new Stream(path, started, lines);
    }

    private HttpRequest request(String path, String json) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + chatd.port() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    /** The reply to a new request, or null when the connection was refused or closed. */
    private HttpResponse<String> post(String path, String json) throws InterruptedException {
        try {
            return HTTP.send(request(path, json), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static void refusedOrClosed(HttpResponse<String> reply) {
        if (reply == null) {
            return; // the listener had closed: refused, as it should be
        }
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(503);
        Map<String, Object> error =
                (Map<String, Object>) ((Map<String, Object>) JsonCodec.parse(reply.body())).get("error");
        assertThat(error).containsEntry("type", "shutting_down");
    }

    private static String lastData(List<String> lines) {
        return lines.stream()
                .filter(l -> l.startsWith("data: "))
                .reduce((a, b) -> b)
                .orElseThrow();
    }
}
