package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.RawUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile upstreams against the packaged JAR run as {@code bin/chatd} runs it (serial
 * collector, 128 MiB heap, exit on out-of-memory): one that announces 2 GiB, endless bodies
 * in every framing, endless stream lines, one at a time and 64 at once. chatd must answer each
 * with a 502 (or a stream's error event) that names the limit, stay up, answer /health, and keep
 * its resident memory under {@link #RSS_BOUND_MB}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HostileUpstreamIT {
    /** The README's bound for bin/chatd under hostile upstreams: its heap (128 MiB) plus the JVM's own. */
    static final long RSS_BOUND_MB = 400;

    private static final long MAX_REPLY = 8L * 1024 * 1024;
    private static final long MAX_LINE = 1024 * 1024;

    /** What the fake does, chosen by the model name the request carries. */
    private static final List<String> NON_STREAMING =
            List.of("announce-2gib", "giant-chunk", "endless-chunks", "endless-close");

    private static final List<String> STREAMING = List.of("endless-line", "giant-chunk");

    @TempDir
    Path dir;

    private RawUpstream hostile;
    private ChatdProcess chatd;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();
    private final AtomicLong peakRssKb = new AtomicLong();
    private volatile boolean sampling;

    @BeforeEach
    void start() throws Exception {
        byte[] piece = new byte[64 * 1024];
        Arrays.fill(piece, (byte) 'a');
        byte[] chunk = ("10000\r\n" + "a".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        hostile = RawUpstream.start(connection -> {
            while (true) {
                String request = connection.readRequest();
                if (request == null) {
                    return;
                }
                String scenario = request.replaceAll("(?s).*\"model\":\"([^\"]*)\".*", "$1");
                boolean stream = request.contains("\"stream\":true");
                String type = stream ? "application/x-ndjson" : "application/json";
                switch (scenario) {
                    case "ok" -> {
                        String body = TestServer.OLLAMA_REPLY;
                        connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                + body.length() + "\r\n\r\n" + body);
                        continue;
                    }
                    case "announce-2gib" ->
                        connection.write(
                                "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: 2147483648\r\n\r\n");
                    case "giant-chunk" ->
                        connection.write("HTTP/1.1 200 OK\r\nContent-Type: " + type
                                + "\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n");
                    case "endless-chunks", "endless-line" -> {
                        connection.write(
                                "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nTransfer-Encoding: chunked\r\n\r\n");
                        while (true) {
                            connection.write(chunk);
                        }
                    }
                    case "endless-close" -> connection.write("HTTP/1.0 200 OK\r\nContent-Type: " + type + "\r\n\r\n");
                    default -> throw new IllegalStateException("no scenario " + scenario);
                }
                while (true) {
                    connection.write(piece);
                }
            }
        });
        chatd = ChatdProcess.start(
                ChatdProcess.jar(), dir, """
                server:
                  host: 127.0.0.1
                  port: 0
                chatd:
                  timeout-secs: 60
                  providers:
                    ollama:
                      base-url: %s
                    ollama_cloud:
                      key-file: ""
                    openrouter:
                      key-file: ""
                    opencode:
                      key-file: ""
                    kimi:
                      key-file: ""
                """.formatted(hostile.baseUrl()), Map.of(), ChatdProcess.launchFlags());
        sampling = true;
        Thread.ofVirtual().start(() -> {
            while (sampling) {
                peakRssKb.accumulateAndGet(chatd.rssKb(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stop() throws InterruptedException {
        sampling = false;
        http.close();
        if (chatd != null) {
            chatd.close();
        }
        if (hostile != null) {
            hostile.close();
        }
    }

    private CompletableFuture<HttpResponse<String>> chat(String scenario, boolean stream) {
        String body = "{\"model\":\"ollama/" + scenario + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        return http.sendAsync(
                HttpRequest.newBuilder(uri("/chat"))
                        .timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + chatd.port() + path);
    }

    private static void assertReplyCapNamed(String scenario, HttpResponse<String> reply) {
        assertThat(reply.statusCode()).as(scenario + ": " + reply.body()).isEqualTo(502);
        @SuppressWarnings("unchecked")
        Map<String, Object> error =
                (Map<String, Object>) ((Map<String, Object>) JsonCodec.parse(reply.body())).get("error");
        assertThat(error.get("type")).as(scenario).isEqualTo("upstream_error");
        assertThat((String) error.get("message"))
                .as(scenario)
                .contains("chatd.max-reply-bytes", String.valueOf(MAX_REPLY));
    }

    private static void assertLineCapNamed(String scenario, HttpResponse<String> reply) {
        // Before the stream starts the failure is a 502, after it an error event; either names the cap.
        assertThat(reply.statusCode()).as(scenario + ": " + reply.body()).isIn(200, 502);
        if (reply.statusCode() == 200) {
            assertThat(reply.body()).as(scenario).contains("event: error");
        }
        assertThat(reply.body())
                .as(scenario)
                .contains("upstream_error", "chatd.max-stream-line-bytes", String.valueOf(MAX_LINE));
    }

    private void assertStillWell() throws Exception {
        assertThat(chatd.isAlive())
                .as("chatd is alive; its output: %s", chatd.output())
                .isTrue();
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(uri("/health"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> ok = chat("ok", false).get(30, TimeUnit.SECONDS);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("Hello! How can I help?");
        long peakMb = peakRssKb.get() / 1024;
        System.out.printf(
                "HOSTILE-UPSTREAMS: peak_rss_mb=%d (bound %d, flags %s)%n",
                peakMb, RSS_BOUND_MB, ChatdProcess.launchFlags());
        assertThat(peakMb).as("peak RSS in MB").isLessThan(RSS_BOUND_MB);
    }

    @Test
    void eachHostileReplyAloneIsA502NamingTheCap() throws Exception {
        for (String scenario : NON_STREAMING) {
            assertReplyCapNamed(scenario, chat(scenario, false).get(60, TimeUnit.SECONDS));
        }
        for (String scenario : STREAMING) {
            assertLineCapNamed(scenario, chat(scenario, true).get(60, TimeUnit.SECONDS));
        }
        assertStillWell();
    }

    @Test
    void sixtyFourHostileRepliesAtOnceLeaveChatdUpAndWithinItsMemory() throws Exception {
        for (int round = 0; round < 2; round++) {
            List<String> scenarios = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String scenario = NON_STREAMING.get(i % NON_STREAMING.size());
                scenarios.add(scenario);
                replies.add(chat(scenario, false));
            }
            for (int i = 0; i < 32; i++) {
                String scenario = STREAMING.get(i % STREAMING.size());
                scenarios.add("stream " + scenario);
                replies.add(chat(scenario, true));
            }
            for (int i = 0; i < replies.size(); i++) {
                HttpResponse<String> reply = replies.get(i).get(120, TimeUnit.SECONDS);
                if (i < 32) {
                    assertReplyCapNamed(scenarios.get(i), reply);
                } else {
                    assertLineCapNamed(scenarios.get(i), reply);
                }
            }
        }
        assertStillWell();
    }
}
