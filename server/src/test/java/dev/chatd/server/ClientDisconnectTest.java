package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that leaves while the upstream is silent is noticed within about a second, on every
 * streaming ingress: chatd probes it with bytes every parser skips, cancels the upstream call
 * and writes the access-log line. The probes never show in what a client parses.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientDisconnectTest {
    private static final String HEL =
            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}";
    private static final String DONE = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/chat", "/v1/chat/completions", "/api/chat"})
    void aClientThatLeavesWhileTheUpstreamIsSilentIsNoticedWithinTwoSeconds(String path) throws Exception {
        try (SilentUpstream upstream = SilentUpstream.start(HEL);
                RunningChatd chatd = RunningChatd.start(Map.of(
                        "chatd.providers.ollama.base-url", upstream.baseUrl().toString()));
                LogCapture log = LogCapture.start()) {
            long leftAt;
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), chatd.port())) {
                post(client, path, RunningChatd.streamRequest("ollama/llama3.2"));
                readUntil(client.getInputStream(), "Hel");
                assertThat(upstream.awaitAnswered(Duration.ofSeconds(5))).isTrue();
                leftAt = System.nanoTime();
            }

            long closedAt = upstream.awaitClosed(Duration.ofSeconds(10));
            assertThat(closedAt)
                    .as("the upstream saw chatd close its connection")
                    .isPositive();
            assertThat(Duration.ofNanos(closedAt - leftAt)).isLessThan(Duration.ofSeconds(3));
            assertThat(awaitAccessLine(log, path))
                    .contains("status=200", "outcome=\"client went away\"", "model=ollama/llama3.2", "provider=ollama");
        }
    }

    @Test
    void ndjsonProbesAreLeadingSpacesThatEveryLineStillParsesWith() throws Exception {
        try (FakeUpstream ollama = FakeUpstream.start()
                        .on(
                                "POST",
                                "/api/chat",
                                FakeUpstream.ndjson()
                                        .lines(HEL)
                                        .pause(Duration.ofMillis(1800))
                                        .lines(HEL)
                                        .pause(Duration.ofMillis(1200))
                                        .lines(DONE));
                RunningChatd chatd = RunningChatd.start(Map.of(
                        "chatd.providers.ollama.base-url", ollama.baseUrl().toString()));
                Socket client = new Socket(InetAddress.getLoopbackAddress(), chatd.port())) {
            post(client, "/api/chat", RunningChatd.streamRequest("ollama/llama3.2"));
            String body = dechunk(readAll(client.getInputStream()));

            assertThat(body).as("probes went out while the upstream was silent").containsPattern("\n  +\\{");
            assertThat(body).as("nothing after the last line").endsWith("}\n");
            List<String> lines = body.lines().toList();
            assertThat(lines).hasSize(3);
            for (String line : lines) {
                assertThat(line.strip()).startsWith("{").endsWith("}");
                assertThat(JsonCodec.parse(line)).isInstanceOf(Map.class);
            }
            assertThat(lines.get(2)).contains("\"done\":true");
        }
    }

    @Test
    void sseProbesAreCommentLines() throws Exception {
        try (FakeUpstream ollama = FakeUpstream.start()
                        .on(
                                "POST",
                                "/api/chat",
                                FakeUpstream.ndjson()
                                        .lines(HEL)
                                        .pause(Duration.ofMillis(1800))
                                        .lines(DONE));
                RunningChatd chatd = RunningChatd.start(Map.of(
                        "chatd.providers.ollama.base-url", ollama.baseUrl().toString()));
                SseReader reply = chatd.stream(RunningChatd.streamRequest("ollama/llama3.2"))) {
            assertThat(reply.next().delta()).containsEntry("content", "Hel");
            assertThat(reply.rest()).last().satisfies(e -> assertThat(e.json()).containsEntry("finish_reason", "stop"));
            assertThat(reply.raw).contains(":");
            assertThat(reply.raw).allSatisfy(line -> assertThat(line).matches("|:.*|data: .*"));
        }
    }

    static void post(Socket client, String path, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = client.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private static void readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) > 0) {
            seen.write(buffer, 0, n);
            if (seen.toString(StandardCharsets.UTF_8).contains(marker)) {
                return;
            }
        }
        throw new AssertionError("the stream ended before '" + marker + "': " + seen.toString(StandardCharsets.UTF_8));
    }

    /** The whole response, up to the end of its chunked body. */
    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) > 0) {
            seen.write(buffer, 0, n);
            if (seen.toString(StandardCharsets.UTF_8).endsWith("\r\n0\r\n\r\n")) {
                break;
            }
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    /** The body of a chunked HTTP/1.1 response, as a client sees it. */
    private static String dechunk(String response) {
        int at = response.indexOf("\r\n\r\n") + 4;
        StringBuilder body = new StringBuilder();
        while (true) {
            int lineEnd = response.indexOf("\r\n", at);
            int size = Integer.parseInt(response.substring(at, lineEnd), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(response, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }

    static String awaitAccessLine(LogCapture log, String path) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (LogRecord r : log.records()) {
                String text = r.getMessage();
                if (text != null && text.startsWith("access ") && text.contains(" path=" + path + " ")) {
                    return text;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no access-log line for " + path);
    }
}
