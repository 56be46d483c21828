package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client's mistakes are JSON 4xx answers in the envelope of the API called, whatever the
 * request's {@code Accept}, with at most one short log line and never a stack trace: bodies
 * nested too deep, headers too large, requests that are not HTTP.
 */
class ClientErrorsTest {
    private static final List<String> CHAT_PATHS = List.of("/chat", "/v1/chat/completions", "/api/chat");
    private static final List<String> ACCEPTS = List.of("text/event-stream", "application/x-ndjson", "text/html");

    /** A chat request routed to {@code model}, streaming or not, for every ingress (all take these fields). */
    private static String chat(String model, boolean stream, String extra) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]" + extra + "}";
    }

    /** chatd's type of the error in the envelope of the API at {@code path}. */
    @SuppressWarnings("unchecked")
    static String errorType(String path, int status, String body) {
        Map<String, Object> json = (Map<String, Object>) JsonCodec.parse(body);
        if (path.startsWith("/api/")) {
            assertThat(json.get("error"))
                    .as("Ollama's envelope: {\"error\":\"<message>\"}")
                    .isInstanceOf(String.class);
            return null;
        }
        Map<String, Object> error = (Map<String, Object>) json.get("error");
        assertThat(error.get("message")).as(body).isInstanceOf(String.class);
        if (path.startsWith("/v1/")) {
            assertThat(error).as("OpenAI's envelope").containsKeys("type", "param", "code");
            return (String) error.get("code");
        }
        assertThat(error).as("chatd's envelope").containsKeys("type", "request_id");
        return (String) error.get("type");
    }

    private static void assertJsonError(
            String path, int status, String type, int gotStatus, String contentType, String body) {
        String what = path + " -> " + gotStatus + " " + contentType + " " + body;
        assertThat(gotStatus).as(what).isEqualTo(status);
        assertThat(contentType).as(what).startsWith("application/json");
        String got = errorType(path, status, body);
        if (got != null) {
            assertThat(got).as(what).isEqualTo(type);
        }
        assertThat(body).as("no stack trace in the body").doesNotContain("Exception", "\tat ", ".java:");
    }

    /** No stack trace, no SEVERE line, and at most one WARNING among the log records. */
    private static void assertQuietLog(List<LogRecord> records) {
        assertThat(records)
                .as("no stack trace in the log")
                .allSatisfy(
                        r -> assertThat(r.getThrown()).as(LogCapture.text(r)).isNull());
        assertThat(records).noneMatch(r -> r.getLevel().intValue() >= Level.SEVERE.intValue());
        assertThat(records.stream().filter(r -> r.getLevel() == Level.WARNING).count())
                .isLessThanOrEqualTo(1);
    }

    static Stream<Arguments> pathsAndAccepts() {
        return CHAT_PATHS.stream().flatMap(path -> ACCEPTS.stream().map(accept -> Arguments.of(path, accept)));
    }

    @ParameterizedTest(name = "{0} Accept: {1}")
    @MethodSource("pathsAndAccepts")
    void anUnconfiguredProviderIs404JsonWhateverTheAccept(String path, String accept) {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.post(path, chat("ollama_cloud/gpt-oss:120b", true, ""), "Accept", accept);

            assertJsonError(
                    path, 404, "provider_not_found", reply.status(), reply.header("Content-Type"), reply.body());
            assertThat(reply.body()).contains("OLLAMA_API_KEY").doesNotContain("&#");
        }
    }

    @ParameterizedTest(name = "{0} Accept: {1}")
    @MethodSource("pathsAndAccepts")
    void jsonNestedDeeperThanTheLimitIs400WithoutAStackTrace(String path, String accept) {
        String deep = ",\"x\":" + "[".repeat(2000) + "]".repeat(2000);
        try (LogCapture log = LogCapture.start();
                TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.post(path, chat("ollama/llama3.2", false, deep), "Accept", accept);

            assertJsonError(path, 400, "invalid_request", reply.status(), reply.header("Content-Type"), reply.body());
            assertThat(reply.body()).contains("128");
            assertThat(server.fake.requests()).isEmpty();
            assertQuietLog(log.records());
        }
    }

    @Test
    void nestingAtTheLimitIsAccepted() {
        // "x" sits at level 1 of the body; 127 more levels reach the limit of 128.
        String deepest = ",\"x\":" + "[".repeat(JsonCodec.MAX_DEPTH - 1) + "]".repeat(JsonCodec.MAX_DEPTH - 1);
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertThat(server.post("/chat", chat("ollama/llama3.2", false, deepest))
                            .status())
                    .isEqualTo(200);
        }
    }

    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {"text/event-stream", "application/x-ndjson", "text/html"})
    void aNonStreamingReplyIsJsonWhateverTheAccept(String accept) {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            for (String path : CHAT_PATHS) {
                TestServer.Reply reply = server.post(path, chat("ollama/llama3.2", false, ""), "Accept", accept);
                assertThat(reply.status()).as(path + " " + reply).isEqualTo(200);
                assertThat(reply.header("Content-Type")).startsWith("application/json");
                assertThat(reply.body()).contains("Hello! How can I help?");
            }
            TestServer.Reply providers = server.get("/chat/providers", "Accept", accept);
            assertThat(providers.status()).isEqualTo(200);
            assertThat(providers.json()).containsKey("providers");
            assertThat(server.get("/health", "Accept", accept).json()).containsEntry("status", "ok");
        }
    }

    @Test
    void theNativeReplyKeepsItsShape() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = server.post("/chat", TestServer.HELLO, "X-Request-Id", "r-1");

            assertThat(reply.body())
                    .startsWith("{\"finish_reason\":\"stop\",\"id\":\"chatd-r-1\",\"latency_ms\":")
                    .endsWith(",\"message\":{\"content\":\"Hello! How can I help?\",\"role\":\"assistant\"},"
                            + "\"model\":\"ollama/llama3.2\",\"provider\":\"ollama\","
                            + "\"usage\":{\"completion_tokens\":298,\"prompt_tokens\":26,\"total_tokens\":324}}");
        }
    }

    static Stream<String> everyApi() {
        return Stream.of("/chat", "/v1/chat/completions", "/api/chat", "/health");
    }

    @ParameterizedTest
    @MethodSource("everyApi")
    void headersLargerThanTheLimitAre431JsonInTheEnvelopeOfTheApi(String path) {
        try (LogCapture log = LogCapture.start();
                TestServer server = TestServer.start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            // Just over Helidon's 16 KiB, so that little is left unread when the connection closes.
            client.send(RawClient.head("GET", path, "X-Padding: " + "a".repeat(17_000)));

            RawClient.Response reply = client.read(Duration.ofSeconds(10));

            assertJsonError(path, 431, "headers_too_large", reply.status(), reply.header("Content-Type"), reply.body());
            assertThat(reply.header("X-Request-Id")).isNotBlank();
            assertThat(reply.body()).contains("max-headers-size");
            assertThat(client.awaitClose(Duration.ofSeconds(5)))
                    .as("the connection is closed after it")
                    .isTrue();
            assertQuietLog(log.records());
            assertThat(server.get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void helidonsOwnLimitsConfiguredUnderServerStillApply() {
        try (TestServer server = TestServer.builder()
                        .config("server.protocols.http_1_1.max-headers-size", "2048")
                        .start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            client.send(RawClient.head("GET", "/health", "X-Padding: " + "a".repeat(3000)));

            RawClient.Response reply = client.read(Duration.ofSeconds(10));

            assertJsonError(
                    "/health", 431, "headers_too_large", reply.status(), reply.header("Content-Type"), reply.body());
        }
    }

    @Test
    void aRequestThatIsNotHttpIs400Json() {
        try (LogCapture log = LogCapture.start();
                TestServer server = TestServer.start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            client.send("HELLO THERE\r\n\r\n");

            RawClient.Response reply = client.read(Duration.ofSeconds(10));

            assertJsonError("/", 400, "invalid_request", reply.status(), reply.header("Content-Type"), reply.body());
            assertQuietLog(log.records());
        }
    }

    @Test
    void aRequestLineLongerThanTheLimitIs414Json() {
        try (TestServer server = TestServer.start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            client.send(RawClient.head("GET", "/v1/models?q=" + "a".repeat(8000)));

            RawClient.Response reply = client.read(Duration.ofSeconds(10));

            assertJsonError("/", 414, "uri_too_long", reply.status(), reply.header("Content-Type"), reply.body());
        }
    }

    @Test
    void headHealthIs200() {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.send(
                    server.request("/health").method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEmpty();
            assertThat(server.get("/health").status())
                    .as("the connection is still in step")
                    .isEqualTo(200);
        }
    }
}
