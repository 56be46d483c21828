package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.UpstreamFormat;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients of other formats reaching Anthropic-format upstreams: an OpenAI client's and an Ollama
 * client's requests for {@code opencode/claude-sonnet-4-5} arrive at Zen's {@code /messages} in
 * Anthropic's format, and the answers, tool calls included, come back in the client's own shape,
 * whole and streamed. Kimi with {@code api: anthropic} likewise.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AnthropicUpstreamTest {
    private static final String MESSAGES = "/zen/v1/messages";

    private static FakeUpstream fake;
    private static RunningChatd chatd;

    private static final String TOOLS = """
            [{"type":"function","function":{"name":"get_weather","description":"Current weather in a city",
              "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""";

    /** A whole Anthropic answer: some text, then a call of get_weather. */
    private static final String TOOL_USE_REPLY = """
            {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"text","text":"Let me check."},
              {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Tokyo"}}],
             "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":40,"output_tokens":12}}""";

    /** The same answer streamed, the call's input in pieces, with pings between. */
    private static FakeUpstream.StreamScript toolUseStream() {
        return FakeUpstream.sse()
                .write(event(
                        "message_start",
                        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                                + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],"
                                + "\"stop_reason\":null,\"stop_sequence\":null,"
                                + "\"usage\":{\"input_tokens\":40,\"output_tokens\":1}}}"))
                .write(
                        event(
                                "content_block_start",
                                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"))
                .write(event("ping", "{\"type\":\"ping\"}"))
                .write(delta(0, "{\"type\":\"text_delta\",\"text\":\"Let me \"}"))
                .write(delta(0, "{\"type\":\"text_delta\",\"text\":\"check.\"}"))
                .write(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"))
                .write(event(
                        "content_block_start",
                        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                                + "\"id\":\"toolu_01A\",\"name\":\"get_weather\",\"input\":{}}}"))
                .write(delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}"))
                .write(delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}"))
                .write(event("ping", "{\"type\":\"ping\"}"))
                .write(delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Tokyo\\\"}\"}"))
                .write(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"))
                .write(event(
                        "message_delta",
                        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                                + "\"usage\":{\"output_tokens\":12}}"))
                .write(event("message_stop", "{\"type\":\"message_stop\"}"));
    }

    private static String event(String name, String data) {
        return UpstreamFormat.anthropicEvent(name, data);
    }

    private static String delta(int index, String delta) {
        return event(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + delta + "}");
    }

    @BeforeAll
    static void start() {
        fake = FakeUpstream.start();
        chatd = RunningChatd.start(Map.of(
                "chatd.providers.opencode.base-url", fake.baseUrl() + "/zen/v1",
                "chatd.providers.kimi.base-url", fake.baseUrl() + "/coding/v1",
                "chatd.providers.kimi.api", "anthropic"));
    }

    @AfterAll
    static void stop() {
        if (chatd != null) {
            chatd.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    @BeforeEach
    void forget() {
        fake.on("POST", MESSAGES, FakeUpstream.json(200, TOOL_USE_REPLY));
    }

    /** What Zen received, checked as Anthropic's format wants it; returns the body. */
    private static Map<String, Object> sentInAnthropicFormat(String path, String key) {
        FakeUpstream.Recorded sent = fake.lastRequest();
        assertThat(sent.path()).isEqualTo(path);
        assertThat(sent.header("x-api-key")).isEqualTo(key);
        assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
        Map<String, Object> body = sent.json();
        assertThat(body).containsKey("max_tokens");
        return body;
    }

    @Test
    void anOpenAiClientsToolCallReachesMessagesAndComesBackAsOpenAi() throws Exception {
        HttpResponse<String> reply = chatd.post("/v1/chat/completions", """
                {"model":"opencode/claude-sonnet-4-5","messages":[
                  {"role":"system","content":"Be brief."},{"role":"user","content":"Weather in Tokyo?"}],
                 "tools":%s}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        Map<String, Object> sent = sentInAnthropicFormat(MESSAGES, "opencode-test-key");
        assertThat(sent.get("model")).isEqualTo("claude-sonnet-4-5");
        assertThat(sent.get("system")).isEqualTo("Be brief.");
        assertThat(sent.get("messages")).isEqualTo(JsonCodec.parse("""
                [{"role":"user","content":[{"type":"text","text":"Weather in Tokyo?"}]}]"""));
        assertThat(sent.get("tools")).isEqualTo(JsonCodec.parse("""
                [{"name":"get_weather","description":"Current weather in a city",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]"""));
        Map<String, Object> body = json(reply.body());
        assertThat(body.get("object")).isEqualTo("chat.completion");
        assertThat(body.get("model")).isEqualTo("opencode/claude-sonnet-4-5");
        Map<String, Object> choice = first(body.get("choices"));
        assertThat(choice.get("finish_reason")).isEqualTo("tool_calls");
        Map<String, Object> message = map(choice.get("message"));
        assertThat(message.get("content")).isEqualTo("Let me check.");
        Map<String, Object> call = first(message.get("tool_calls"));
        assertThat(call.get("id")).isEqualTo("toolu_01A");
        Map<String, Object> function = map(call.get("function"));
        assertThat(function.get("name")).isEqualTo("get_weather");
        assertThat(JsonCodec.parse((String) function.get("arguments"))).isEqualTo(Map.of("city", "Tokyo"));
        Map<String, Object> usage = map(body.get("usage"));
        assertThat((BigDecimal) usage.get("prompt_tokens")).isEqualByComparingTo("40");
        assertThat((BigDecimal) usage.get("completion_tokens")).isEqualByComparingTo("12");
    }

    @Test
    void anOpenAiClientsToolResultsGoAsOneUserMessageOfToolResults() throws Exception {
        fake.on(
                "POST",
                MESSAGES,
                FakeUpstream.json(
                        200,
                        UpstreamFormat.ANTHROPIC_MESSAGES.reply(
                                "claude-sonnet-4-5",
                                "{\"role\":\"assistant\",\"content\":\"Sunny and rainy.\"}",
                                "stop",
                                60,
                                5)));

        HttpResponse<String> reply = chatd.post("/v1/chat/completions", """
                {"model":"opencode/claude-sonnet-4-5","tools":%s,"messages":[
                  {"role":"user","content":"Weather in Tokyo and Paris?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"toolu_01A","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}},
                    {"id":"toolu_01B","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"toolu_01A","content":"sunny"},
                  {"role":"tool","tool_call_id":"toolu_01B","content":"rainy"}]}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(sentInAnthropicFormat(MESSAGES, "opencode-test-key").get("messages"))
                .isEqualTo(JsonCodec.parse("""
                [{"role":"user","content":[{"type":"text","text":"Weather in Tokyo and Paris?"}]},
                 {"role":"assistant","content":[
                   {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Tokyo"}},
                   {"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{"city":"Paris"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01A","content":"sunny"},
                   {"type":"tool_result","tool_use_id":"toolu_01B","content":"rainy"}]}]"""));
        Map<String, Object> message =
                map(first(json(reply.body()).get("choices")).get("message"));
        assertThat(message.get("content")).isEqualTo("Sunny and rainy.");
    }

    @Test
    void anOpenAiClientsStreamComesBackAsOpenAiChunksWithTheToolCall() throws Exception {
        fake.on("POST", MESSAGES, toolUseStream());

        HttpResponse<String> reply = chatd.post("/v1/chat/completions", """
                {"model":"opencode/claude-sonnet-4-5","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"Weather in Tokyo?"}],"tools":%s}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(sentInAnthropicFormat(MESSAGES, "opencode-test-key").get("stream"))
                .isEqualTo(true);
        List<String> data = reply.body()
                .lines()
                .filter(l -> l.startsWith("data: "))
                .map(l -> l.substring("data: ".length()))
                .toList();
        assertThat(data).last().isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        StringBuilder arguments = new StringBuilder();
        List<String> ids = new ArrayList<>();
        List<Object> finishes = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            Map<String, Object> chunk = json(d);
            assertThat(chunk.get("object")).isEqualTo("chat.completion.chunk");
            for (Object c : (List<?>) chunk.get("choices")) {
                Map<String, Object> choice = map(c);
                Map<String, Object> delta = map(choice.get("delta"));
                if (delta.get("content") instanceof String s) {
                    text.append(s);
                }
                if (delta.get("tool_calls") instanceof List<?> calls) {
                    for (Object call : calls) {
                        Map<String, Object> piece = map(call);
                        if (piece.get("id") instanceof String id) {
                            ids.add(id);
                        }
                        if (piece.get("function") instanceof Map<?, ?> f && f.get("arguments") instanceof String a) {
                            arguments.append(a);
                        }
                    }
                }
                if (choice.get("finish_reason") != null) {
                    finishes.add(choice.get("finish_reason"));
                }
            }
        }
        assertThat(text).hasToString("Let me check.");
        assertThat(ids).containsExactly("toolu_01A");
        assertThat(JsonCodec.parse(arguments.toString())).isEqualTo(Map.of("city", "Tokyo"));
        assertThat(finishes).containsExactly("tool_calls");
    }

    @Test
    void anOllamaClientsToolCallReachesMessagesAndComesBackAsOllama() throws Exception {
        HttpResponse<String> reply = chatd.post("/api/chat", """
                {"model":"opencode/claude-sonnet-4-5","stream":false,
                 "messages":[{"role":"user","content":"Weather in Tokyo?"}],"tools":%s}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        Map<String, Object> sent = sentInAnthropicFormat(MESSAGES, "opencode-test-key");
        assertThat(sent.get("model")).isEqualTo("claude-sonnet-4-5");
        assertThat(sent.get("stream")).isEqualTo(false);
        Map<String, Object> body = json(reply.body());
        assertThat(body.get("done")).isEqualTo(true);
        Map<String, Object> message = map(body.get("message"));
        assertThat(message.get("content")).isEqualTo("Let me check.");
        Map<String, Object> function = map(first(message.get("tool_calls")).get("function"));
        assertThat(function.get("name")).isEqualTo("get_weather");
        assertThat(function.get("arguments")).isEqualTo(Map.of("city", "Tokyo"));
        assertThat((BigDecimal) body.get("prompt_eval_count")).isEqualByComparingTo("40");
        assertThat((BigDecimal) body.get("eval_count")).isEqualByComparingTo("12");
    }

    @Test
    void anOllamaClientsStreamComesBackAsNdjsonWithTheToolCall() throws Exception {
        fake.on("POST", MESSAGES, toolUseStream());

        HttpResponse<String> reply = chatd.post("/api/chat", """
                {"model":"opencode/claude-sonnet-4-5",
                 "messages":[{"role":"user","content":"Weather in Tokyo?"}],"tools":%s}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(sentInAnthropicFormat(MESSAGES, "opencode-test-key").get("stream"))
                .isEqualTo(true);
        StringBuilder text = new StringBuilder();
        List<Object> calls = new ArrayList<>();
        List<Map<String, Object>> lines = reply.body()
                .lines()
                .filter(l -> !l.isBlank())
                .map(AnthropicUpstreamTest::json)
                .toList();
        for (Map<String, Object> line : lines) {
            Map<String, Object> message = map(line.get("message"));
            if (message.get("content") instanceof String s) {
                text.append(s);
            }
            if (message.get("tool_calls") instanceof List<?> c) {
                calls.addAll(c);
            }
        }
        assertThat(text).hasToString("Let me check.");
        assertThat(calls).hasSize(1);
        Map<String, Object> function = map(map(calls.get(0)).get("function"));
        assertThat(function.get("name")).isEqualTo("get_weather");
        assertThat(function.get("arguments")).isEqualTo(Map.of("city", "Tokyo"));
        Map<String, Object> last = lines.get(lines.size() - 1);
        assertThat(last.get("done")).isEqualTo(true);
        assertThat((BigDecimal) last.get("eval_count")).isEqualByComparingTo("12");
    }

    @Test
    void kimiWithTheAnthropicApiSettingChatsOnItsMessagesEndpoint() throws Exception {
        fake.on(
                "POST",
                "/coding/v1/messages",
                FakeUpstream.json(
                        200,
                        UpstreamFormat.ANTHROPIC_MESSAGES.reply(
                                "kimi-for-coding",
                                "{\"role\":\"assistant\",\"content\":\"Hi from Kimi\"}",
                                "stop",
                                5,
                                3)));

        HttpResponse<String> reply = chatd.post("/v1/chat/completions", """
                {"model":"kimi/kimi-for-coding","messages":[{"role":"user","content":"Hi"}]}""");

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(sentInAnthropicFormat("/coding/v1/messages", "sk-kimi-test-key")
                        .get("model"))
                .isEqualTo("kimi-for-coding");
        Map<String, Object> message =
                map(first(json(reply.body()).get("choices")).get("message"));
        assertThat(message.get("content")).isEqualTo("Hi from Kimi");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String text) {
        return (Map<String, Object>) JsonCodec.parse(text);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static Map<String, Object> first(Object list) {
        return map(((List<?>) list).get(0));
    }
}
