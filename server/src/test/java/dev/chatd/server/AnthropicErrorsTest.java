package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.body;
import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatException;
import dev.chatd.kit.anthropic.AnthropicMessagesRequests;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.tck.FakeUpstream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Anthropic's error table on {@code /v1/messages} and {@code /v1/messages/count_tokens}: every
 * error in {@code {"type":"error","error":{"type","message"}}} with the status Anthropic's SDKs
 * raise their typed errors by (529 for an overloaded upstream, {@code Retry-After} kept on
 * 429), chatd's own refusals (401, 404, 413, 431) included; {@code x-api-key} as the inbound
 * token, never shown; and {@code count_tokens} answered without the upstream.
 */
class AnthropicErrorsTest {
    private static final String PATH = "/v1/messages";
    private static final String COUNT = "/v1/messages/count_tokens";
    private static final String TOKEN = "tok-canary-a7c0d3";
    private static final String HELLO = """
            {"model":"openrouter/openai/gpt-4o","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}""";
    private static FakeUpstream openAi;
    private static TestServer server;

    @BeforeAll
    static void start() {
        openAi = FakeUpstream.start();
        server = TestServer.builder()
                .config("chatd.providers.openrouter.base-url", openAi.baseUrl().toString())
                .config("chatd.providers.opencode.base-url", openAi.baseUrl() + "/zen/v1")
                .config("chatd.max-request-bytes", "8192")
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .env("OPENCODE_API_KEY", "oc-test")
                .env("CHATD_AUTH_TOKEN", TOKEN)
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        openAi.close();
    }

    private static TestServer.Reply post(String path, String body) {
        return server.post(path, body, "x-api-key", TOKEN, "anthropic-version", "2023-06-01");
    }

    /** Asserts Anthropic's envelope, exactly its keys, with a message. */
    static void assertAnthropicError(TestServer.Reply reply, int status, String type) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.header("content-type")).as(reply.toString()).startsWith("application/json");
        assertThat(reply.json().keySet()).as(reply.toString()).containsExactly("type", "error");
        assertThat(reply.json()).containsEntry("type", "error");
        assertThat(reply.error().keySet()).containsExactly("type", "message");
        assertThat(reply.errorType()).as(reply.toString()).isEqualTo(type);
        assertThat(reply.errorMessage()).as(reply.toString()).isNotBlank();
    }

    static Stream<Arguments> upstreamErrors() {
        return Stream.of(
                Arguments.of(
                        "400",
                        json(400, "{\"error\":{\"message\":\"context too long\"}}"),
                        400,
                        "invalid_request_error"),
                Arguments.of("401 (chatd's key)", json(401, "{\"error\":{\"message\":\"bad key\"}}"), 502, "api_error"),
                Arguments.of("404", json(404, "{\"error\":{\"message\":\"no such model\"}}"), 404, "not_found_error"),
                Arguments.of("500", json(500, "{\"error\":{\"message\":\"boom\"}}"), 502, "api_error"),
                Arguments.of("502 text", body(502, "text/plain", "bad gateway"), 502, "api_error"),
                Arguments.of("504", json(504, "{\"error\":{\"message\":\"slow\"}}"), 504, "api_error"),
                Arguments.of("529", json(529, "{\"error\":{\"message\":\"busy\"}}"), 529, "overloaded_error"),
                Arguments.of(
                        "503 overloaded",
                        json(503, "{\"error\":{\"message\":\"The engine is currently overloaded\"}}"),
                        529,
                        "overloaded_error"),
                Arguments.of(
                        "503 otherwise", json(503, "{\"error\":{\"message\":\"maintenance\"}}"), 502, "api_error"));
    }

    @ParameterizedTest(name = "upstream {0}")
    @MethodSource("upstreamErrors")
    void anUpstreamErrorIsAnthropicsStatusAndType(
            String what, FakeUpstream.Responder upstream, int status, String type) {
        openAi.on("POST", "/chat/completions", upstream);

        assertAnthropicError(post(PATH, HELLO), status, type);
        assertAnthropicError(post(PATH, HELLO.replace("{\"model\"", "{\"stream\":true,\"model\"")), status, type);
    }

    @Test
    void anAnthropicFormatUpstreamsOverloadIs529ToAnthropicClientsOnly() throws Exception {
        String claude = HELLO.replace("openrouter/openai/gpt-4o", "opencode/claude-sonnet-4-5");
        openAi.on(
                "POST",
                "/zen/v1/messages",
                json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));

        assertAnthropicError(post(PATH, claude), 529, "overloaded_error");
        TestServer.Reply openAiClient = server.post(
                "/v1/chat/completions",
                "{\"model\":\"opencode/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                "x-api-key",
                TOKEN);
        assertThat(openAiClient.status()).isEqualTo(502);
        assertThat(openAiClient.error()).containsEntry("code", "upstream_overloaded");

        // Mid-stream, as Anthropic says it: an error event after the stream began.
        openAi.on(
                "POST",
                "/zen/v1/messages",
                FakeUpstream.sse()
                        .write(
                                dev.chatd.tck.UpstreamFormat.anthropicEvent(
                                        "message_start",
                                        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                                                + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],"
                                                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"))
                        .write(
                                dev.chatd.tck.UpstreamFormat.anthropicEvent(
                                        "error",
                                        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        try (SseReader reply = new SseReader(java.net.http.HttpClient.newHttpClient()
                .send(
                        server.request(PATH, "x-api-key", TOKEN)
                                .header("Content-Type", "application/json")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                        claude.replace("{\"model\"", "{\"stream\":true,\"model\"")))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofLines()))) {
            assertThat(reply.status()).isEqualTo(200);
            SseReader.Event last = reply.rest().getLast();
            assertThat(last.name()).isEqualTo("error");
            assertThat(last.error()).containsEntry("type", "overloaded_error");
        }
    }

    @Test
    void aRateLimitKeepsItsRetryAfter() {
        openAi.on(
                "POST", "/chat/completions", json(429, "{\"error\":{\"message\":\"slow down\"}}", "Retry-After", "7"));

        TestServer.Reply reply = post(PATH, HELLO);

        assertAnthropicError(reply, 429, "rate_limit_error");
        assertThat(reply.header("Retry-After")).isEqualTo("7");
    }

    @Test
    void chatdsOwnRefusalsAreInTheEnvelope() {
        assertAnthropicError(post(PATH, "{\"model\":"), 400, "invalid_request_error");
        TestServer.Reply noMaxTokens = post(PATH, """
                {"model":"openrouter/openai/gpt-4o","messages":[{"role":"user","content":"Hi"}]}""");
        assertAnthropicError(noMaxTokens, 400, "invalid_request_error");
        assertThat(noMaxTokens.errorMessage()).contains("max_tokens");
        assertAnthropicError(
                post(PATH, HELLO.replace("openrouter/openai/gpt-4o", "ollama_cloud/m")), 404, "not_found_error");
        assertAnthropicError(post(PATH, HELLO.replace("Hi", "x".repeat(9000))), 413, "request_too_large");
        assertAnthropicError(server.get(PATH, "x-api-key", TOKEN), 404, "not_found_error");
        assertAnthropicError(post("/v1/messages/batches", HELLO), 404, "not_found_error");
    }

    @Test
    void headersTooLargeBeforeRoutingAreInTheEnvelope() {
        try (RawClient client = RawClient.connect(server.chatd.port())) {
            client.send(RawClient.head("POST", PATH, "X-Padding: " + "a".repeat(17_000)));

            RawClient.Response reply = client.read(Duration.ofSeconds(10));

            assertThat(reply.status()).isEqualTo(431);
            @SuppressWarnings("unchecked")
            Map<String, Object> body = (Map<String, Object>) JsonCodec.parse(reply.body());
            assertThat(body).containsEntry("type", "error");
            @SuppressWarnings("unchecked")
            Map<String, Object> error = (Map<String, Object>) body.get("error");
            assertThat(error).containsEntry("type", "invalid_request_error");
        }
    }

    // ---- auth ----

    @Test
    void theTokenIsAcceptedAsXApiKeyOrBearerOnEveryApi() {
        openAi.on("POST", "/chat/completions", json(200, """
                {"id":"gen-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,\
                "message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"""));

        assertThat(post(PATH, HELLO).status()).isEqualTo(200);
        assertThat(server.post(PATH, HELLO, "Authorization", "Bearer " + TOKEN).status())
                .isEqualTo(200);
        assertThat(server.post("/v1/chat/completions", """
                        {"model":"openrouter/openai/gpt-4o","messages":[{"role":"user","content":"Hi"}]}""", "x-api-key", TOKEN).status())
                .isEqualTo(200);
    }

    @Test
    void aMissingOrWrongTokenIsAnthropicsAuthenticationErrorAndNeverShown() {
        List<TestServer.Reply> replies = new ArrayList<>();
        try (LogCapture log = LogCapture.start()) {
            replies.add(server.post(PATH, HELLO));
            replies.add(server.post(PATH, HELLO, "x-api-key", TOKEN + "x"));
            replies.add(server.post(PATH, HELLO, "x-api-key", TOKEN.substring(0, 8)));
            replies.add(server.post(PATH, HELLO, "x-api-key", ""));
            replies.add(server.post(COUNT, HELLO, "Authorization", "Bearer " + TOKEN + "-and-more"));
            for (TestServer.Reply reply : replies) {
                assertAnthropicError(reply, 401, "authentication_error");
                assertThat(reply.errorMessage()).contains("x-api-key");
            }
            replies.add(post(PATH, "{\"model\":"));
            replies.add(post(COUNT, "[]"));
            for (TestServer.Reply reply : replies) {
                assertThat(reply.body()).as(reply.toString()).doesNotContain(TOKEN);
                reply.headers()
                        .map()
                        .forEach((name, values) -> assertThat(String.join(",", values))
                                .as("header " + name)
                                .doesNotContain(TOKEN));
            }
            assertThat(log.records()).isNotEmpty();
            for (LogRecord record : log.records()) {
                assertThat(LogCapture.text(record)).doesNotContain(TOKEN);
            }
        }
    }

    // ---- count_tokens ----

    @Test
    void countTokensIsTheEstimateWithoutCallingTheUpstream() {
        String request = """
                {"model":"openrouter/openai/gpt-4o","system":"You are terse.",\
                "tools":[%s],"messages":[{"role":"user","content":"Weather in Tokyo?"},\
                {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Tokyo"}}]},\
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}]}""".formatted(AnthropicMessagesEndpointTest.WEATHER_TOOL);
        int before = openAi.requests().size();

        TestServer.Reply reply = post(COUNT, request);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        int expected = AnthropicMessagesRequests.estimateInputTokens(AnthropicMessagesRequests.decodeCountRequest(
                JsonObjectView.of(JsonCodec.parse(request), "body", ChatException.InvalidRequest::new)));
        assertThat(reply.json()).isEqualTo(Map.of("input_tokens", BigDecimal.valueOf(expected)));
        assertThat(expected).as("tools count: their prompt alone is 346").isGreaterThan(346);
        assertThat(openAi.requests()).hasSize(before);
        assertThat(server.post(COUNT + "?beta=true", request, "x-api-key", TOKEN)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void aMalformedCountRequestIsAnthropics400() {
        assertAnthropicError(post(COUNT, "{\"model\":"), 400, "invalid_request_error");
        assertAnthropicError(post(COUNT, "{\"model\":\"openrouter/openai/gpt-4o\"}"), 400, "invalid_request_error");
        assertAnthropicError(
                post(
                        COUNT,
                        "{\"model\":\"openrouter/openai/gpt-4o\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}"),
                400,
                "invalid_request_error");
    }
}
