package dev.chatd.server;

import static dev.chatd.server.OpenAiChatEndpointTest.line;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/messages} in-process, in the shapes Claude Code and the Anthropic SDKs parse,
 * through an Ollama upstream (tool calls with and without ids) and an OpenAI-format one
 * (OpenRouter before a fake): whole and streamed text, thinking, tool use and its round trip,
 * parallel calls, an upstream that says {@code stop} while calling tools, a failure mid-stream
 * and a ping on a silent stream. The client authenticates with {@code x-api-key}, as they do.
 */
class AnthropicMessagesEndpointTest {
    static final String PATH = "/v1/messages";
    static final String TOKEN = "tok-anthropic-5e1";
    private static FakeUpstream openAi;
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        openAi = FakeUpstream.start();
        server = TestServer.builder()
                .config("chatd.providers.openrouter.base-url", openAi.baseUrl().toString())
                .config("chatd.stream-keepalive-secs", "1")
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .env("CHATD_AUTH_TOKEN", TOKEN)
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        openAi.close();
    }

    static final String WEATHER_TOOL = """
            {"name":"get_weather","description":"The weather in a city",\
            "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}""";

    private static String ask(String model, boolean stream) {
        return """
                {"model":"%s","max_tokens":1024,"stream":%s,"system":[{"type":"text","text":"Be brief."}],\
                "tools":[%s],"messages":[{"role":"user","content":"Weather in Tokyo?"}]}""".formatted(model, stream, WEATHER_TOOL);
    }

    static TestServer.Reply post(String path, String body) {
        return server.post(path, body, "x-api-key", TOKEN, "anthropic-version", "2023-06-01");
    }

    // ---- whole replies ----

    @Test
    @SuppressWarnings("unchecked")
    void aReplyIsAnthropicsMessageWithTheModelAsAsked() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = post(PATH, ask("ollama/llama3.2", false));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.header("content-type")).startsWith("application/json");
        Map<String, Object> body = reply.json();
        assertThat(body.keySet())
                .containsExactly("id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage");
        assertThat((String) body.get("id")).matches("msg_[A-Za-z0-9]{24}");
        assertThat(body)
                .containsEntry("type", "message")
                .containsEntry("role", "assistant")
                .containsEntry("model", "ollama/llama3.2")
                .containsEntry("stop_reason", "end_turn")
                .containsEntry("stop_sequence", null);
        assertThat((List<Object>) body.get("content"))
                .containsExactly(Map.of("type", "text", "text", "Hello! How can I help?"));
        assertThat((Map<String, Object>) body.get("usage"))
                .containsEntry("input_tokens", n(26))
                .containsEntry("output_tokens", n(298));
        Map<String, Object> sent = server.fake.lastRequest().json();
        assertThat(sent).containsEntry("model", "llama3.2");
        assertThat((List<Map<String, Object>>) sent.get("messages"))
                .extracting(m -> m.get("role"))
                .containsExactly("system", "user");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aReplyThroughAnOpenAiFormatUpstream() {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, """
                {"id":"gen-1","object":"chat.completion","created":1,"model":"openai/gpt-4o",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"Sunny.","reasoning":"Look it up."},\
                "finish_reason":"length"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"""));

        Map<String, Object> body =
                post(PATH, ask("openrouter/openai/gpt-4o", false)).json();

        assertThat(body).containsEntry("model", "openrouter/openai/gpt-4o").containsEntry("stop_reason", "max_tokens");
        List<Map<String, Object>> content = (List<Map<String, Object>>) body.get("content");
        assertThat(content).extracting(b -> b.get("type")).containsExactly("thinking", "text");
        assertThat(content.get(0)).containsEntry("thinking", "Look it up.");
        assertThat(content.get(1)).containsEntry("text", "Sunny.");
        Map<String, Object> sent = openAi.lastRequest().json();
        assertThat(sent).containsEntry("model", "openai/gpt-4o").containsEntry("max_tokens", n(1024));
        assertThat((List<Map<String, Object>>) sent.get("tools"))
                .extracting(t -> ((Map<String, Object>) t.get("function")).get("name"))
                .containsExactly("get_weather");
    }

    @Test
    @SuppressWarnings("unchecked")
    void anOllamaUpstreamThatSaysStopWhileCallingToolsEndsWithToolUseAndGetsAToolUseId() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant","content":"",\
                "thinking":"I need the weather.",\
                "tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Tokyo"}}}]},\
                "done":true,"done_reason":"stop","prompt_eval_count":30,"eval_count":12}"""));

        Map<String, Object> body = post(PATH, ask("ollama/llama3.2", false)).json();

        assertThat(body).containsEntry("stop_reason", "tool_use");
        List<Map<String, Object>> content = (List<Map<String, Object>>) body.get("content");
        assertThat(content).extracting(b -> b.get("type")).containsExactly("thinking", "tool_use");
        assertThat(content.get(0)).containsEntry("thinking", "I need the weather.");
        assertThat(content.get(1)).containsEntry("name", "get_weather").containsEntry("input", Map.of("city", "Tokyo"));
        assertThat((String) content.get(1).get("id")).matches("toolu_[A-Za-z0-9]{24}");
    }

    // ---- streams ----

    @Test
    void aStreamIsAnthropicsEventsInOrder() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"Hel\""),
                                line("\"content\":\"lo\""),
                                "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":11,\"eval_count\":4}"));

        // As Claude Code sends it: the beta query, the version and betas chatd does not know.
        HttpRequest request = server.request(PATH + "?beta=true")
                .header("Content-Type", "application/json")
                .header("x-api-key", TOKEN)
                .header("anthropic-version", "2023-06-01")
                .header("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,no-such-beta-2099")
                .POST(HttpRequest.BodyPublishers.ofString(ask("ollama/llama3.2", true)))
                .build();
        try (SseReader reply = new SseReader(client.send(request, HttpResponse.BodyHandlers.ofLines()))) {
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("content-type")).startsWith("text/event-stream");
            List<SseReader.Event> events = reply.rest();

            assertThat(AnthropicStream.names(events))
                    .containsExactly(
                            "message_start",
                            "content_block_start",
                            "content_block_delta",
                            "content_block_delta",
                            "content_block_stop",
                            "message_delta",
                            "message_stop");
            AnthropicStream stream = AnthropicStream.read(events);
            assertThat(stream.message()).containsEntry("model", "ollama/llama3.2");
            assertThat(stream.blocks()).containsExactly(Map.of("type", "text", "text", "Hello"));
            assertThat(stream.stopReason()).isEqualTo("end_turn");
            assertThat(events.getLast().json()).isEqualTo(Map.of("type", "message_stop"));
            assertThat(events.get(events.size() - 2).json().get("usage"))
                    .isEqualTo(Map.of("input_tokens", n(11), "output_tokens", n(4)));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void reasoningIsAThinkingBlockThenTextThenParallelToolCallsInOrderWithTheirIds() throws Exception {
        // An OpenAI-format upstream that says "stop" although it called tools.
        openAi.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                chunk("{\"role\":\"assistant\",\"reasoning\":\"Two cities, \"}", null),
                                chunk("{\"reasoning\":\"two calls.\"}", null),
                                chunk("{\"content\":\"Checking both.\"}", null),
                                chunk(
                                        "{\"tool_calls\":[{\"index\":0,\"id\":\"call_tokyo\",\"type\":\"function\","
                                                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
                                        null),
                                chunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}",
                                        null),
                                chunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Tokyo\\\"}\"}}]}",
                                        null),
                                chunk(
                                        "{\"tool_calls\":[{\"index\":1,\"id\":\"call_paris\",\"type\":\"function\","
                                                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}",
                                        null),
                                chunk("{}", "\"stop\""),
                                "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],"
                                        + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}}")
                        .done());

        try (SseReader reply = stream(ask("openrouter/openai/gpt-4o", true))) {
            List<SseReader.Event> events = reply.rest();
            AnthropicStream stream = AnthropicStream.read(events);

            assertThat(stream.types()).containsExactly("thinking", "text", "tool_use", "tool_use");
            assertThat(stream.blocks().get(0)).containsEntry("thinking", "Two cities, two calls.");
            assertThat(stream.blocks().get(1)).containsEntry("text", "Checking both.");
            assertThat(stream.blocks().get(2))
                    .containsEntry("id", "call_tokyo")
                    .containsEntry("name", "get_weather")
                    .containsEntry("input", Map.of("city", "Tokyo"));
            assertThat(stream.blocks().get(3))
                    .containsEntry("id", "call_paris")
                    .containsEntry("input", Map.of("city", "Paris"));
            assertThat(stream.stopReason()).isEqualTo("tool_use");
            assertThat(events.stream().filter(e -> "content_block_delta".equals(e.name())))
                    .as("reasoning never arrives as text")
                    .noneMatch(e -> "text_delta".equals(e.delta().get("type"))
                            && ((String) e.delta().get("text")).contains("calls"));
        }
    }

    @Test
    void anOllamaStreamThatSaysStopWhileCallingAToolWithoutAnIdEndsWithToolUse() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"\",\"thinking\":\"Hmm.\""),
                                line("\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"get_weather\","
                                        + "\"arguments\":{\"city\":\"Tokyo\"}}}]"),
                                "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":11,\"eval_count\":4}"));

        try (SseReader reply = stream(ask("ollama/llama3.2", true))) {
            AnthropicStream stream = AnthropicStream.read(reply.rest());

            assertThat(stream.types()).containsExactly("thinking", "tool_use");
            assertThat((String) stream.blocks().get(1).get("id")).matches("toolu_[A-Za-z0-9]{24}");
            assertThat(stream.blocks().get(1)).containsEntry("input", Map.of("city", "Tokyo"));
            assertThat(stream.stopReason()).isEqualTo("tool_use");
        }
    }

    @Test
    void aFailureMidStreamIsAnErrorEventInAnthropicsShape() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().lines(line("\"content\":\"Hel\"")).cut());

        try (SseReader reply = stream(ask("ollama/llama3.2", true))) {
            List<SseReader.Event> events = reply.rest();

            assertThat(AnthropicStream.names(events))
                    .containsExactly("message_start", "content_block_start", "content_block_delta", "error");
            SseReader.Event error = events.getLast();
            assertThat(error.json()).containsEntry("type", "error");
            assertThat(error.error()).containsEntry("type", "api_error");
            assertThat((String) error.error().get("message")).isNotBlank();
        }
    }

    @Test
    void aSilentStreamIsKeptAliveWithPingEvents() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .headersAfter(Duration.ofMillis(2500))
                        .lines(
                                line("\"content\":\"loaded\""),
                                "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":1,\"eval_count\":1}"));

        try (SseReader reply = stream(ask("ollama/llama3.2", true))) {
            List<SseReader.Event> events = reply.rest();

            assertThat(events.getFirst().name()).isEqualTo("ping");
            assertThat(events.getFirst().json()).isEqualTo(Map.of("type", "ping"));
            assertThat(reply.raw).doesNotContain(": keep-alive");
            assertThat(AnthropicStream.read(events).blocks()).containsExactly(Map.of("type", "text", "text", "loaded"));
        }
    }

    // ---- a tool-use round trip ----

    /** The conversation after the model called two tools: its calls, then the client's results. */
    static String withResults(String model) {
        return """
                {"model":"%s","max_tokens":1024,"tools":[%s],"messages":[
                  {"role":"user","content":"Weather in Tokyo and Paris?"},
                  {"role":"assistant","content":[{"type":"text","text":"Checking both."},
                    {"type":"tool_use","id":"call_tokyo","name":"get_weather","input":{"city":"Tokyo"}},
                    {"type":"tool_use","id":"toolu_01Paris","name":"get_weather","input":{"city":"Paris"}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"call_tokyo","content":"sunny"},
                    {"type":"tool_result","tool_use_id":"toolu_01Paris","content":[{"type":"text","text":"rainy"}]},
                    {"type":"text","text":"Summarise."}]}]}""".formatted(model, WEATHER_TOOL);
    }

    @Test
    @SuppressWarnings("unchecked")
    void toolResultsReachAnOpenAiFormatUpstreamAsToolMessagesAnsweringTheirCalls() {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, """
                {"id":"gen-2","object":"chat.completion","created":1,"model":"openai/gpt-4o",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"Tokyo sunny, Paris rainy."},\
                "finish_reason":"stop"}],"usage":{"prompt_tokens":40,"completion_tokens":8,"total_tokens":48}}"""));

        Map<String, Object> body =
                post(PATH, withResults("openrouter/openai/gpt-4o")).json();

        assertThat(body).containsEntry("stop_reason", "end_turn");
        assertThat((List<Object>) body.get("content"))
                .containsExactly(Map.of("type", "text", "text", "Tokyo sunny, Paris rainy."));
        List<Map<String, Object>> messages =
                (List<Map<String, Object>>) openAi.lastRequest().json().get("messages");
        assertThat(messages)
                .extracting(m -> m.get("role"))
                .containsExactly("user", "assistant", "tool", "tool", "user");
        List<Map<String, Object>> calls =
                (List<Map<String, Object>>) messages.get(1).get("tool_calls");
        assertThat(calls).extracting(c -> c.get("id")).containsExactly("call_tokyo", "toolu_01Paris");
        assertThat((Map<String, Object>) calls.get(0).get("function"))
                .containsEntry("name", "get_weather")
                .containsEntry("arguments", "{\"city\":\"Tokyo\"}");
        assertThat(messages.get(2)).containsEntry("tool_call_id", "call_tokyo").containsEntry("content", "sunny");
        assertThat(messages.get(3))
                .containsEntry("tool_call_id", "toolu_01Paris")
                .containsEntry("content", "rainy");
        assertThat(messages.get(4)).containsEntry("content", "Summarise.");
    }

    @Test
    @SuppressWarnings("unchecked")
    void toolResultsReachAnOllamaUpstreamAsToolMessagesNamingTheirFunction() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = post(PATH, withResults("ollama/llama3.2"));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        List<Map<String, Object>> messages =
                (List<Map<String, Object>>) server.fake.lastRequest().json().get("messages");
        assertThat(messages)
                .extracting(m -> m.get("role"))
                .containsExactly("user", "assistant", "tool", "tool", "user");
        List<Map<String, Object>> calls =
                (List<Map<String, Object>>) messages.get(1).get("tool_calls");
        assertThat(calls)
                .extracting(c -> ((Map<String, Object>) c.get("function")).get("arguments"))
                .containsExactly(Map.of("city", "Tokyo"), Map.of("city", "Paris"));
        assertThat(messages.get(2)).containsEntry("tool_name", "get_weather").containsEntry("content", "sunny");
        assertThat(messages.get(3)).containsEntry("tool_name", "get_weather").containsEntry("content", "rainy");
    }

    @Test
    void aFullRoundTripThroughOllamaWithoutToolCallIds() throws Exception {
        // 1: the model calls the tool; Ollama gives no id, so chatd makes one.
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant","content":"",\
                "tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Tokyo"}}}]},\
                "done":true,"done_reason":"stop","prompt_eval_count":30,"eval_count":12}"""));
        Map<String, Object> first = post(PATH, ask("ollama/llama3.2", false)).json();
        @SuppressWarnings("unchecked")
        Map<String, Object> use = ((List<Map<String, Object>>) first.get("content")).getFirst();
        String id = (String) use.get("id");

        // 2: the client sends the result for that id; the model answers.
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));
        String second = """
                {"model":"ollama/llama3.2","max_tokens":100,"tools":[%s],"messages":[
                  {"role":"user","content":"Weather in Tokyo?"},
                  {"role":"assistant","content":[%s]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"%s","content":"sunny","is_error":false}]}]}""".formatted(WEATHER_TOOL, dev.chatd.kit.json.JsonCodec.writeString(use), id);
        TestServer.Reply reply = post(PATH, second);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json()).containsEntry("stop_reason", "end_turn");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> messages =
                (List<Map<String, Object>>) server.fake.lastRequest().json().get("messages");
        assertThat(messages.get(2))
                .containsEntry("role", "tool")
                .containsEntry("tool_name", "get_weather")
                .containsEntry("content", "sunny");
    }

    // ---- helpers ----

    static String chunk(String delta, String finish) {
        return "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}";
    }

    static SseReader stream(String body) throws Exception {
        HttpRequest request = server.request(PATH)
                .header("Content-Type", "application/json")
                .header("x-api-key", TOKEN)
                .header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return new SseReader(client.send(request, HttpResponse.BodyHandlers.ofLines()));
    }

    static BigDecimal n(long value) {
        return BigDecimal.valueOf(value);
    }
}
