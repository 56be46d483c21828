package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.body;
import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canary secrets: an upstream key and an inbound token that must never show in a response
 * (body or header) or a log line, however a request fails.
 */
class SecretsTest {
    private static final String KEY = "sk-canary-7f3a9c";
    private static final String TOKEN = "tok-canary-b81e22";
    private static final String AUTH = "Bearer " + TOKEN;
    private static final String CLOUD_HELLO = """
            {"model":"ollama_cloud/gpt-oss:120b","messages":[{"role":"user","content":"Hi"}]}""";

    /** Upstream answers that quote the key back, as misbehaving upstreams and proxies do. */
    private static final Map<String, FakeUpstream.Responder> ECHOING_UPSTREAMS = Map.ofEntries(
            Map.entry("401", json(401, "{\"error\":\"invalid api key " + KEY + "\"}")),
            Map.entry("403", json(403, "{\"error\":{\"message\":\"key " + KEY + " may not use cloud models\"}}")),
            Map.entry("400", json(400, "{\"error\":\"bad request from Bearer " + KEY + "\"}")),
            Map.entry("404", json(404, "{\"error\":\"model 'x' not found for " + KEY + "\"}")),
            Map.entry(
                    "429", json(429, "{\"error\":\"you (" + KEY + ") have reached your limit\"}", "Retry-After", "3")),
            Map.entry("500", json(500, "{\"error\":\"internal: Authorization: Bearer " + KEY + "\"}")),
            Map.entry("502 text", body(502, "text/plain", "upstream proxy rejected Bearer " + KEY)),
            Map.entry("200 html", body(200, "text/html", "<html><p>Your key " + KEY + " is invalid</p></html>")),
            Map.entry("200 error", json(200, "{\"error\":\"key " + KEY + " is not allowed to use this model\"}")),
            Map.entry("200 wrong shape", json(200, "{\"message\":\"" + KEY + "\",\"done\":true}")),
            Map.entry("200 truncated", FakeUpstream.truncated("{\"error\":\"" + KEY + KEY + KEY + "\"}")));

    @Test
    void canariesAppearInNoResponseAndNoLogLine() {
        List<TestServer.Reply> replies = new ArrayList<>();
        try (LogCapture log = LogCapture.start();
                TestServer server = TestServer.builder()
                        .env("OLLAMA_API_KEY", KEY)
                        .env("CHATD_AUTH_TOKEN", TOKEN)
                        .start()) {
            for (Map.Entry<String, FakeUpstream.Responder> upstream : ECHOING_UPSTREAMS.entrySet()) {
                server.fake.on("POST", "/api/chat", upstream.getValue());
                TestServer.Reply reply = server.post("/chat", CLOUD_HELLO, "Authorization", AUTH);
                assertThat(reply.status()).as(upstream.getKey() + ": " + reply).isGreaterThanOrEqualTo(400);
                replies.add(reply);
            }
            assertThat(server.fake.lastRequest().header("Authorization"))
                    .as("the key did go upstream, so the canary was live")
                    .isEqualTo("Bearer " + KEY);

            // The caller's side: bad requests, bad tokens (one that starts with the real one), listings.
            replies.add(server.post("/chat", "{\"model\":", "Authorization", AUTH));
            replies.add(server.post(
                    "/chat",
                    "{\"model\":\"ollama_cloud/\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                    "Authorization",
                    AUTH));
            replies.add(server.post("/chat", CLOUD_HELLO));
            replies.add(server.post("/chat", CLOUD_HELLO, "Authorization", AUTH + "-and-more"));
            replies.add(server.post("/chat", CLOUD_HELLO, "Authorization", "Bearer " + KEY));
            replies.add(server.get("/chat/providers", "Authorization", AUTH));
            replies.add(server.get("/chat/providers", "Authorization", "Bearer " + TOKEN.substring(0, 10)));
            replies.add(server.get("/nope", "Authorization", AUTH));
            replies.add(server.get("/health"));

            for (TestServer.Reply reply : replies) {
                assertThat(reply.body()).as(reply.toString()).doesNotContain(KEY, TOKEN);
                reply.headers()
                        .map()
                        .forEach((name, values) -> assertThat(String.join(",", values))
                                .as("header " + name + " of " + reply)
                                .doesNotContain(KEY, TOKEN));
            }
            assertThat(log.records()).as("something was logged").isNotEmpty();
            for (LogRecord record : log.records()) {
                assertThat(LogCapture.text(record))
                        .as("log line from " + record.getLoggerName())
                        .doesNotContain(KEY, TOKEN);
            }
        }
    }

    @Test
    void redactedUpstreamMessagesStayUseful() {
        try (TestServer server = TestServer.builder().env("OLLAMA_API_KEY", KEY).start()) {
            server.fake.on("POST", "/api/chat", json(401, "{\"error\":\"invalid api key " + KEY + "\"}"));

            TestServer.Reply reply = server.post("/chat", CLOUD_HELLO);

            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.errorType()).isEqualTo("upstream_auth");
            assertThat(reply.errorMessage()).contains("invalid api key ****").doesNotContain(KEY);
        }
    }

    @Test
    void keyFromAFileIsUsedAndNeverShown(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ollama_cloud.env");
        Files.writeString(file, "OLLAMA_API_KEY=" + KEY + "\n");
        try (LogCapture log = LogCapture.start();
                TestServer server = TestServer.builder()
                        .config("chatd.providers.ollama_cloud.key-file", file.toString())
                        .start()) {
            server.fake.on("POST", "/api/chat", json(401, "{\"error\":\"unauthorized " + KEY + "\"}"));

            TestServer.Reply reply = server.post("/chat", CLOUD_HELLO);

            assertThat(server.fake.lastRequest().header("Authorization")).isEqualTo("Bearer " + KEY);
            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.body()).doesNotContain(KEY);
            assertThat(log.records())
                    .allSatisfy(r -> assertThat(LogCapture.text(r)).doesNotContain(KEY));
        }
    }
}
