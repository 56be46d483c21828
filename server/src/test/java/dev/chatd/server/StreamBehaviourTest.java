package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a stream through chatd behaves under real conditions: nothing is buffered, a client that
 * leaves frees the upstream at once, a silent upstream times out, keep-alives flow while the
 * model is slow, and failures before the first byte stay ordinary HTTP errors.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StreamBehaviourTest {
    private static final String MODEL = "ollama/llama3.2";

    private final FakeUpstream ollama = FakeUpstream.start();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        ollama.close();
    }

    private RunningChatd chatd(String... settings) {
        Map<String, String> config = new HashMap<>();
        config.put("chatd.providers.ollama.base-url", ollama.baseUrl().toString());
        for (int i = 0; i + 1 < settings.length; i += 2) {
            config.put(settings[i], settings[i + 1]);
        }
        RunningChatd chatd = RunningChatd.start(config);
        toClose.add(chatd);
        return chatd;
    }

    private static String line(String content) {
        return "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":"
                + JsonCodec.writeString(content) + "},\"done\":false}";
    }

    private static final String DONE =
            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\","
                    + "\"prompt_eval_count\":5,\"eval_count\":3}";

    @Test
    void theClientReadsTheFirstChunkBeforeTheUpstreamHasSentTheLast() throws Exception {
        CountDownLatch clientHasFirst = new CountDownLatch(1);
        // The fake holds the rest of the answer until the client has the first chunk (at most 5 s),
        // then pauses a second between chunks: a buffering relay would fail both checks below.
        ollama.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(line("first "))
                        .await(clientHasFirst, Duration.ofSeconds(5))
                        .pause(Duration.ofSeconds(1))
                        .lines(line("second "))
                        .pause(Duration.ofSeconds(1))
                        .mark("last")
                        .lines(line("third"), DONE));
        RunningChatd chatd = chatd();

        try (SseReader reply = chatd.stream(RunningChatd.streamRequest(MODEL))) {
            SseReader.Event first = reply.next();
            clientHasFirst.countDown();
            assertThat(first.delta()).containsEntry("content", "first ");
            List<SseReader.Event> rest = reply.rest();

            assertThat(first.arrivedAt())
                    .as("first event arrived before the upstream sent its last chunk")
                    .isLessThan(ollama.markedAt("last"));
            SseReader.Event second = rest.get(0);
            assertThat(second.delta()).containsEntry("content", "second ");
            assertThat(Duration.ofNanos(second.arrivedAt() - first.arrivedAt())).isGreaterThan(Duration.ofMillis(900));
            assertThat(Duration.ofNanos(rest.get(1).arrivedAt() - second.arrivedAt()))
                    .isGreaterThan(Duration.ofMillis(900));
            assertThat(rest.get(rest.size() - 1).json()).containsEntry("finish_reason", "stop");
        }
    }

    @Test
    void aClientThatGoesAwayMidStreamClosesTheUpstreamConnectionWithinASecond() throws Exception {
        ollama.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().repeat(line("tick ") + "\n", Duration.ofMillis(100), Duration.ofSeconds(20)));
        RunningChatd chatd = chatd();

        byte[] body = RunningChatd.streamRequest(MODEL).getBytes(StandardCharsets.UTF_8);
        long closedAt;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), chatd.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                            + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int events = 0;
            String l;
            while (events < 3 && (l = in.readLine()) != null) {
                if (l.startsWith("data: ") && l.contains("tick")) {
                    events++;
                }
            }
            assertThat(events).as("the stream was flowing").isEqualTo(3);
            closedAt = System.nanoTime();
        }

        long goneAt = ollama.awaitClientGone(Duration.ofSeconds(5));
        assertThat(goneAt)
                .as("the fake upstream saw chatd close its connection")
                .isPositive();
        assertThat(Duration.ofNanos(goneAt - closedAt)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void anUpstreamSilentMidStreamEndsWithAnUpstreamTimeoutEvent() throws Exception {
        ollama.on("POST", "/api/chat", FakeUpstream.ndjson().lines(line("Hel")).hang(Duration.ofSeconds(30)));
        RunningChatd chatd = chatd("chatd.stream-idle-timeout-secs", "1");

        try (SseReader reply = chatd.stream(RunningChatd.streamRequest(MODEL))) {
            SseReader.Event first = reply.next();
            assertThat(first.delta()).containsEntry("content", "Hel");
            List<SseReader.Event> rest = reply.rest();

            assertThat(rest).hasSize(1);
            SseReader.Event error = rest.get(0);
            assertThat(error.isError()).isTrue();
            assertThat(error.error()).containsEntry("type", "upstream_timeout");
            assertThat((String) error.error().get("message")).contains("stream-idle-timeout-secs");
            assertThat(Duration.ofNanos(error.arrivedAt() - first.arrivedAt()))
                    .isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        }
    }

    @Test
    void keepAliveCommentsFlowWhileTheUpstreamIsSlowToStart() throws Exception {
        ollama.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().pause(Duration.ofMillis(2500)).lines(line("finally"), DONE));
        RunningChatd chatd = chatd("chatd.stream-keepalive-secs", "1");

        try (SseReader reply = chatd.stream(RunningChatd.streamRequest(MODEL))) {
            SseReader.Event first = reply.next();

            assertThat(first.delta()).containsEntry("content", "finally");
            List<String> beforeFirst = reply.raw.subList(0, reply.raw.indexOf("data: " + first.data()));
            assertThat(beforeFirst).contains(": keep-alive");
            assertThat(reply.rest()).last().satisfies(e -> assertThat(e.json()).containsEntry("finish_reason", "stop"));
        }
    }

    @Test
    void keepAliveCommentsFlowEvenBeforeASlowUpstreamSendsItsHeaders() throws Exception {
        // Real Ollama sends its headers with the first chunk, so a loading model is silent until then.
        ollama.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().headersAfter(Duration.ofMillis(2500)).lines(line("loaded"), DONE));
        RunningChatd chatd = chatd("chatd.stream-keepalive-secs", "1");

        try (SseReader reply = chatd.stream(RunningChatd.streamRequest(MODEL))) {
            SseReader.Event first = reply.next();

            assertThat(first.delta()).containsEntry("content", "loaded");
            List<String> beforeFirst = reply.raw.subList(0, reply.raw.indexOf("data: " + first.data()));
            assertThat(beforeFirst).contains(": keep-alive");
            assertThat(reply.rest()).last().satisfies(e -> assertThat(e.json()).containsEntry("finish_reason", "stop"));
        }
    }

    @Test
    void aSlowUpstreamThatThenFailsEndsTheCommittedStreamWithAnErrorEvent() throws Exception {
        ollama.on("POST", "/api/chat", (request, exchange, self) -> {
            Thread.sleep(2000);
            FakeUpstream.send(
                    exchange, 429, "application/json", "{\"error\":\"you have reached your session usage limit\"}");
        });
        RunningChatd chatd = chatd("chatd.stream-keepalive-secs", "1");

        try (SseReader reply = chatd.stream(RunningChatd.streamRequest(MODEL))) {
            List<SseReader.Event> events = reply.rest();

            assertThat(reply.raw).contains(": keep-alive");
            assertThat(events).last().satisfies(e -> {
                assertThat(e.isError()).isTrue();
                assertThat(e.error()).containsEntry("type", "rate_limited");
            });
        }
    }

    @Test
    void anUpstream429BeforeTheFirstByteIsA429WithRetryAfter() throws Exception {
        ollama.on(
                "POST",
                "/api/chat",
                FakeUpstream.json(
                        429,
                        "{\"error\":\"you (fake) have reached your session usage limit, please wait or upgrade to continue\"}",
                        "Retry-After",
                        "17"));
        RunningChatd chatd = chatd();

        HttpResponse<String> reply = chatd.post(RunningChatd.streamRequest(MODEL));

        assertThat(reply.statusCode()).isEqualTo(429);
        assertThat(reply.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(reply.headers().firstValue("retry-after")).hasValue("17");
        Map<String, Object> error = errorOf(reply);
        assertThat(error).containsEntry("type", "rate_limited");
        assertThat((String) error.get("message")).contains("session usage limit");
    }

    @Test
    void aRefusedUpstreamConnectionIsA502() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        RunningChatd chatd = chatd("chatd.providers.ollama.base-url", "http://127.0.0.1:" + closedPort);

        HttpResponse<String> reply = chatd.post(RunningChatd.streamRequest(MODEL));

        assertThat(reply.statusCode()).isEqualTo(502);
        assertThat(reply.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(errorOf(reply)).containsEntry("type", "upstream_error");
    }

    @Test
    void anUnknownProviderIsA404() throws Exception {
        RunningChatd chatd = chatd("chatd.default-provider", "nosuch");

        HttpResponse<String> reply = chatd.post(RunningChatd.streamRequest("nosuch/some-model"));

        assertThat(reply.statusCode()).isEqualTo(404);
        assertThat(reply.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(errorOf(reply)).containsEntry("type", "provider_not_found");
        assertThat(ollama.requests()).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> errorOf(HttpResponse<String> reply) {
        return (Map<String, Object>) ((Map<String, Object>) JsonCodec.parse(reply.body())).get("error");
    }
}
