package dev.chatd.server;

import static dev.chatd.server.OpenAiChatEndpointTest.line;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request recorded in the shape Claude Code sends (system blocks with {@code cache_control},
 * sixteen tools, {@code thinking} with a budget, {@code metadata.user_id}, thinking and
 * redacted-thinking blocks, parallel tool calls and their results, its betas and
 * {@code ?beta=true}) through an OpenAI-format and an Ollama upstream: each receives a request
 * in its own format with nothing of Anthropic's it does not know, the calls and results paired,
 * and the stream that comes back is well-formed.
 */
class ClaudeCodeRequestTest {
    private static final String BETAS = "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,"
            + "fine-grained-tool-streaming-2025-05-14";
    private static FakeUpstream openAi;
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        openAi = FakeUpstream.start();
        server = TestServer.builder()
                .config("chatd.providers.openrouter.base-url", openAi.baseUrl().toString())
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        openAi.close();
    }

    static String recorded(String model) {
        try (InputStream in = ClaudeCodeRequestTest.class.getResourceAsStream("/anthropic/claude-code-request.json")) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return json.replace("\"kimi/kimi-for-coding\"", "\"" + model + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void throughAnOpenAiFormatUpstream() throws Exception {
        openAi.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                AnthropicMessagesEndpointTest.chunk(
                                        "{\"role\":\"assistant\",\"reasoning\":\"Both read.\"}", null),
                                AnthropicMessagesEndpointTest.chunk("{\"content\":\"Running the build.\"}", null),
                                AnthropicMessagesEndpointTest.chunk(
                                        "{\"tool_calls\":[{\"index\":0,\"id\":\"call_bash\",\"type\":\"function\","
                                                + "\"function\":{\"name\":\"Bash\",\"arguments\":\"{\\\"command\\\":\"}}]}",
                                        null),
                                AnthropicMessagesEndpointTest.chunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"mvn -q verify\\\"}\"}}]}",
                                        null),
                                AnthropicMessagesEndpointTest.chunk("{}", "\"tool_calls\""))
                        .done());

        AnthropicStream stream = send(recorded("openrouter/anthropic/claude-sonnet-4"));

        assertThat(stream.types()).containsExactly("thinking", "text", "tool_use");
        assertThat(stream.blocks().get(2))
                .containsEntry("id", "call_bash")
                .containsEntry("name", "Bash")
                .containsEntry("input", Map.of("command", "mvn -q verify"));
        assertThat(stream.stopReason()).isEqualTo("tool_use");

        FakeUpstream.Recorded sent = openAi.lastRequest();
        assertThat(sent.bodyText())
                .doesNotContain("cache_control", "metadata", "user_abc", "budget_tokens", "redacted");
        Map<String, Object> body = sent.json();
        assertThat(body)
                .containsEntry("model", "anthropic/claude-sonnet-4")
                .containsEntry("stream", true)
                .containsKey("reasoning_effort")
                .doesNotContainKeys("thinking", "system", "top_k");
        assertThat((List<Object>) body.get("tools")).hasSize(16);
        List<Map<String, Object>> messages = (List<Map<String, Object>>) body.get("messages");
        assertThat(messages)
                .extracting(m -> m.get("role"))
                .containsExactly("system", "user", "assistant", "tool", "tool");
        assertThat(dev.chatd.kit.json.JsonCodec.writeString(messages.get(0).get("content")))
                .contains("You are Claude Code", "# Tone and style");
        List<Map<String, Object>> calls =
                (List<Map<String, Object>>) messages.get(2).get("tool_calls");
        assertThat(calls).extracting(c -> c.get("id")).containsExactly("toolu_01A", "toolu_01B");
        assertThat(messages.get(3)).containsEntry("tool_call_id", "toolu_01A");
        assertThat(messages.get(4)).containsEntry("tool_call_id", "toolu_01B");
    }

    @Test
    @SuppressWarnings("unchecked")
    void throughAnOllamaUpstream() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"\",\"thinking\":\"Both read.\""),
                                line("\"content\":\"Done: \""),
                                line("\"content\":\"a gateway.\""),
                                "{\"model\":\"qwen3\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":900,\"eval_count\":9}"));

        AnthropicStream stream = send(recorded("ollama/qwen3"));

        assertThat(stream.types()).containsExactly("thinking", "text");
        assertThat(stream.blocks().get(1)).containsEntry("text", "Done: a gateway.");
        assertThat(stream.stopReason()).isEqualTo("end_turn");

        FakeUpstream.Recorded sent = server.fake.lastRequest();
        assertThat(sent.bodyText())
                .doesNotContain("cache_control", "metadata", "user_abc", "budget_tokens", "redacted");
        Map<String, Object> body = sent.json();
        assertThat(body).containsEntry("model", "qwen3").containsEntry("think", true);
        assertThat((List<Object>) body.get("tools")).hasSize(16);
        List<Map<String, Object>> messages = (List<Map<String, Object>>) body.get("messages");
        assertThat(messages)
                .extracting(m -> m.get("role"))
                .containsExactly("system", "user", "assistant", "tool", "tool");
        assertThat(messages.get(3)).containsEntry("tool_name", "Read");
        assertThat(messages.get(4)).containsEntry("tool_name", "Read");
    }

    private static AnthropicStream send(String body) throws Exception {
        HttpRequest request = server.request("/v1/messages?beta=true")
                .header("Content-Type", "application/json")
                .header("anthropic-version", "2023-06-01")
                .header("anthropic-beta", BETAS)
                .header("anthropic-dangerous-direct-browser-access", "true")
                .header("x-app", "cli")
                .header("User-Agent", "claude-cli/2.0.0 (external, cli)")
                .header("x-api-key", "unused-when-chatd-has-no-token")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try (SseReader reply = new SseReader(client.send(request, HttpResponse.BodyHandlers.ofLines()))) {
            assertThat(reply.status()).isEqualTo(200);
            return AnthropicStream.read(reply.rest());
        }
    }
}
