package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.body;
import static dev.chatd.tck.FakeUpstream.dropConnection;
import static dev.chatd.tck.FakeUpstream.hanging;
import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.RawUpstream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every row of the error table as a caller sees it: the status, the JSON error's type and a
 * message that says what is wrong, and chatd still up afterwards.
 */
class ErrorTableTest {

    /** Asserts the JSON error and that chatd still answers a follow-up request. */
    static void assertError(TestServer server, TestServer.Reply reply, int status, String type, String... inMessage) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).as(reply.toString()).startsWith("application/json");
        assertThat(reply.errorType()).as(reply.toString()).isEqualTo(type);
        assertThat(reply.errorMessage()).as(reply.toString()).isNotBlank();
        for (String part : inMessage) {
            assertThat(reply.errorMessage()).as(reply.toString()).contains(part);
        }
        assertThat(reply.body()).as("no stack trace in the body").doesNotContain("Exception", "\tat ", ".java:");
        assertThat(server.get("/health").status()).as("chatd is still up").isEqualTo(200);
    }

    // ---- the caller's request ----

    private static Arguments row(String what, String body, String... inMessage) {
        return Arguments.of(what, body, inMessage);
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                row("malformed JSON", "{\"model\":\"llama3.2\",\"messages\":[", "not valid JSON"),
                row("not JSON at all", "model=llama3.2", "not valid JSON"),
                row("empty body", "", "not valid JSON"),
                row("a JSON array", "[]", "must be a JSON object"),
                row("no model", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", "model"),
                row("blank model", "{\"model\":\" \",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", "model"),
                row(
                        "model as a number",
                        "{\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                        "model must be a string"),
                row("no messages", "{\"model\":\"llama3.2\"}", "messages"),
                row("empty messages", "{\"model\":\"llama3.2\",\"messages\":[]}", "messages"),
                row(
                        "messages as an object",
                        "{\"model\":\"llama3.2\",\"messages\":{\"role\":\"user\",\"content\":\"Hi\"}}",
                        "messages must be an array"),
                row("a message that is a string", "{\"model\":\"llama3.2\",\"messages\":[\"Hi\"]}", "messages[0]"),
                row(
                        "unknown role",
                        "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"wizard\",\"content\":\"Hi\"}]}",
                        "messages[0].role",
                        "wizard"),
                row("no role", "{\"model\":\"llama3.2\",\"messages\":[{\"content\":\"Hi\"}]}", "messages[0].role"),
                row(
                        "content as a number",
                        "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":5}]}",
                        "messages[0].content"),
                row(
                        "temperature as a string",
                        "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":\"hot\"}",
                        "temperature must be a number"),
                row(
                        "temperature too large for a number",
                        "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":1e999}",
                        "temperature"),
                row(
                        "max_tokens as a fraction",
                        "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":1.5}",
                        "max_tokens"),
                row(
                        "stop as a number",
                        "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stop\":3}",
                        "stop"),
                row(
                        "a provider prefix without a model",
                        "{\"model\":\"ollama/\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                        "ollama/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void invalidRequestIs400NamingTheField(String what, String body, String... inMessage) {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertError(server, server.post("/chat", body), 400, "invalid_request", inMessage);
            assertThat(server.fake.requests())
                    .as("nothing reached the upstream")
                    .isEmpty();
        }
    }

    @Test
    void bodyOverTheLimitWithContentLengthIs413() {
        try (TestServer server =
                TestServer.builder().config("chatd.max-request-bytes", "1024").start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertError(
                    server,
                    server.post("/chat", bigRequest(4096)),
                    413,
                    "request_too_large",
                    "1024",
                    "max-request-bytes");
            assertThat(server.fake.requests()).isEmpty();
            assertThat(server.post("/chat", TestServer.HELLO).status())
                    .as("a small body still passes")
                    .isEqualTo(200);
        }
    }

    @Test
    void chunkedBodyOverTheLimitIs413() {
        try (TestServer server =
                TestServer.builder().config("chatd.max-request-bytes", "1024").start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
            byte[] big = bigRequest(4096).getBytes(StandardCharsets.UTF_8);

            // A stream of unknown length goes out chunked, without Content-Length.
            TestServer.Reply reply = server.send(server.request("/chat")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));

            assertError(server, reply, 413, "request_too_large", "1024");
            assertThat(server.fake.requests()).isEmpty();
        }
    }

    @Test
    void chunkedBodyUnderTheLimitIsRead() {
        try (TestServer server =
                TestServer.builder().config("chatd.max-request-bytes", "1024").start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
            byte[] small = TestServer.HELLO.getBytes(StandardCharsets.UTF_8);

            TestServer.Reply reply = server.send(server.request("/chat")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        }
    }

    private static String bigRequest(int size) {
        return "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(size) + "\"}]}";
    }

    // ---- routing ----

    @ParameterizedTest
    @ValueSource(strings = {"ollama_cloud/deepseek-v3.2", "deepseek-v3.2:cloud", "gpt-oss:120b-cloud"})
    void cloudModelWithoutAKeyIs404NamingTheVariable(String model) {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.post(
                    "/chat", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

            assertError(server, reply, 404, "provider_not_found", "ollama_cloud", "OLLAMA_API_KEY");
            assertThat(server.fake.requests()).isEmpty();
        }
    }

    @Test
    void unknownProviderWithoutADefaultIs404() {
        try (TestServer server =
                TestServer.builder().config("chatd.default-provider", "nowhere").start()) {
            TestServer.Reply reply = server.post("/chat", """
                    {"model":"mystery-model","messages":[{"role":"user","content":"Hi"}]}""");

            assertError(server, reply, 404, "provider_not_found", "mystery-model", "ollama/");
        }
    }

    @Test
    void disabledProviderIs503() {
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama.enabled", "false")
                .start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertError(server, server.post("/chat", TestServer.HELLO), 503, "provider_disabled", "ollama", "enabled");
            assertError(server, server.post("/chat", """
                    {"model":"llama3.2","messages":[{"role":"user","content":"Hi"}]}"""), 503, "provider_disabled");
            assertThat(server.fake.requests()).isEmpty();
        }
    }

    // ---- the upstream's answer ----

    @Test
    void upstreamModelNotFoundIs404() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(404, "{\"error\":\"model 'nosuch' not found\"}"));

            assertError(server, server.post("/chat", """
                    {"model":"ollama/nosuch","messages":[{"role":"user","content":"Hi"}]}"""), 404, "model_not_found", "model 'nosuch' not found");
        }
    }

    @Test
    void upstream400IsTheCallersFaultAndKeepsTheUpstreamMessage() {
        try (TestServer server = TestServer.start()) {
            server.fake.on(
                    "POST",
                    "/api/chat",
                    json(400, "{\"error\":\"prompt is too long: 9000 tokens exceed the context of 8192\"}"));

            assertError(
                    server,
                    server.post("/chat", TestServer.HELLO),
                    400,
                    "upstream_bad_request",
                    "prompt is too long: 9000 tokens exceed the context of 8192");
        }
    }

    @Test
    void upstream429IsRateLimitedAndKeepsRetryAfter() {
        try (TestServer server = TestServer.start()) {
            server.fake.on(
                    "POST",
                    "/api/chat",
                    json(
                            429,
                            "{\"error\":\"you (someone) have reached your session usage limit\"}",
                            "Retry-After",
                            "7"));

            TestServer.Reply reply = server.post("/chat", TestServer.HELLO);

            assertError(server, reply, 429, "rate_limited", "session usage limit");
            assertThat(reply.header("Retry-After")).isEqualTo("7");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"soon", "30, 60", "-5", "7 days", "Wed, 21 Oct 2015 07:28:00 GMT; evil=1"})
    void upstream429WithAJunkRetryAfterIsRateLimitedWithoutIt(String junk) {
        String body = "{\"error\":\"slow down\"}";
        try (RawUpstream raw = RawUpstream.start(RawUpstream.answering("HTTP/1.1 429 Too Many Requests\r\n"
                        + "Content-Type: application/json\r\nRetry-After: " + junk + "\r\nContent-Length: "
                        + body.length()
                        + "\r\n\r\n" + body));
                TestServer server = TestServer.builder()
                        .config("chatd.providers.ollama.base-url", raw.baseUrl().toString())
                        .start()) {
            TestServer.Reply reply = server.post("/chat", TestServer.HELLO);

            assertError(server, reply, 429, "rate_limited", "slow down");
            assertThat(reply.header("Retry-After")).as("never relayed verbatim").isNull();
        }
    }

    @Test
    void upstreamHeaderWithAControlCharacterIsAMalformedReplyNeverRelayed() {
        String body = "{\"error\":\"slow down\"}";
        try (RawUpstream raw = RawUpstream.start(RawUpstream.answering("HTTP/1.1 429 Too Many Requests\r\n"
                        + "Content-Type: application/json\r\nRetry-After: 7\u0001\r\nContent-Length: " + body.length()
                        + "\r\n\r\n" + body));
                TestServer server = TestServer.builder()
                        .config("chatd.providers.ollama.base-url", raw.baseUrl().toString())
                        .start()) {
            TestServer.Reply reply = server.post("/chat", TestServer.HELLO);

            assertError(server, reply, 502, "upstream_error", "not valid HTTP/1.1");
            assertThat(reply.header("Retry-After")).isNull();
        }
    }

    @Test
    void upstream429KeepsAnHttpDateRetryAfter() {
        try (TestServer server = TestServer.start()) {
            server.fake.on(
                    "POST",
                    "/api/chat",
                    json(429, "{\"error\":\"slow down\"}", "Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"));

            TestServer.Reply reply = server.post("/chat", TestServer.HELLO);

            assertError(server, reply, 429, "rate_limited", "slow down");
            assertThat(reply.header("Retry-After")).isEqualTo("Wed, 21 Oct 2015 07:28:00 GMT");
        }
    }

    @Test
    void upstream404WithoutAnErrorBodyPointsAtTheBaseUrl() {
        try (TestServer server = TestServer.start()) {
            // Nothing scripted: the fake answers like a web server that is not Ollama, "404 page not found".
            assertError(server, server.post("/chat", TestServer.HELLO), 502, "upstream_error", "404", "base-url");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void upstreamAuthFailureIs502NeverA401(int status) {
        try (TestServer server =
                TestServer.builder().env("OLLAMA_API_KEY", "some-key").start()) {
            server.fake.on("POST", "/api/chat", json(status, "{\"error\":\"unauthorized\"}"));

            TestServer.Reply reply = server.post("/chat", """
                    {"model":"ollama_cloud/gpt-oss:120b","messages":[{"role":"user","content":"Hi"}]}""");

            assertError(server, reply, 502, "upstream_auth", "ollama_cloud", "key");
            assertThat(reply.header("WWW-Authenticate"))
                    .as("the caller's credentials are not at fault")
                    .isNull();
        }
    }

    @Test
    void upstream500Is502() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(500, "{\"error\":\"llama runner process has terminated\"}"));

            assertError(
                    server,
                    server.post("/chat", TestServer.HELLO),
                    502,
                    "upstream_error",
                    "ollama",
                    "500",
                    "llama runner process has terminated");
        }
    }

    @Test
    void refusedConnectionIs502() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama.base-url", "http://127.0.0.1:" + closedPort)
                .start()) {
            assertError(
                    server,
                    server.post("/chat", TestServer.HELLO),
                    502,
                    "upstream_error",
                    "ollama",
                    "127.0.0.1:" + closedPort);
        }
    }

    @Test
    void droppedConnectionIs502() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", dropConnection());

            assertError(server, server.post("/chat", TestServer.HELLO), 502, "upstream_error", "ollama");
        }
    }

    @Test
    void bodyCutOffHalfwayIs502() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", FakeUpstream.truncated(TestServer.OLLAMA_REPLY));

            assertError(server, server.post("/chat", TestServer.HELLO), 502, "upstream_error", "ollama");
        }
    }

    @Test
    void htmlInsteadOfJsonIs502() {
        try (TestServer server = TestServer.start()) {
            server.fake.on(
                    "POST",
                    "/api/chat",
                    body(200, "text/html", "<html><body><h1>Welcome to nginx!</h1></body></html>"));

            assertError(server, server.post("/chat", TestServer.HELLO), 502, "upstream_error", "not JSON", "text/html");
        }
    }

    @Test
    void jsonThatIsNotAChatReplyIs502() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, "{\"models\":[]}"));

            assertError(server, server.post("/chat", TestServer.HELLO), 502, "upstream_error", "ollama");
        }
    }

    @Test
    void hangingUpstreamIs504AfterTheTimeout() {
        try (TestServer server =
                TestServer.builder().config("chatd.timeout-secs", "1").start()) {
            server.fake.on("POST", "/api/chat", hanging());

            long started = System.nanoTime();
            TestServer.Reply reply = server.post("/chat", TestServer.HELLO);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertError(server, reply, 504, "upstream_timeout", "ollama", "1 s", "timeout-secs");
            assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofMillis(3000));
        }
    }

    @Test
    void providerTimeoutOverridesTheGlobalOne() {
        try (TestServer server = TestServer.builder()
                .config("chatd.timeout-secs", "60")
                .config("chatd.providers.ollama.timeout-secs", "1")
                .start()) {
            server.fake.on("POST", "/api/chat", hanging());

            long started = System.nanoTime();
            TestServer.Reply reply = server.post("/chat", TestServer.HELLO);

            assertError(server, reply, 504, "upstream_timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        }
    }
}
