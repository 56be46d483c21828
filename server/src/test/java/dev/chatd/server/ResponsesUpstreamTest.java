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
 * Clients of other formats reaching a Responses-format upstream: an OpenAI chat-completions
 * client's and an Ollama client's requests for {@code opencode/gpt-5} arrive at Zen's
 * {@code /responses} in the Responses format, and the answers, text and a tool call, come back
 * in the client's own shape, whole and streamed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResponsesUpstreamTest {
    private static final String RESPONSES = "/zen/v1/responses";

    private static FakeUpstream fake;
    private static RunningChatd chatd;

    private static final String TOOLS = """
            [{"type":"function","function":{"name":"get_weather","description":"Current weather in a city",
              "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""";

    /** The tool as the Responses format wants it: flat, and not strict, since chatd made it. */
    private static final String RESPONSES_TOOLS = """
            [{"type":"function","name":"get_weather","description":"Current weather in a city",
              "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
              "strict":false}]""";

    /** A whole Responses answer: some text, then a call of get_weather. */
    private static final String FUNCTION_CALL_REPLY = """
            {"id":"resp_01","object":"response","created_at":1700000000,"status":"completed","model":"gpt-5",
             "output":[
              {"type":"message","id":"msg_01","status":"completed","role":"assistant",
               "content":[{"type":"output_text","text":"Let me check.","annotations":[]}]},
              {"type":"function_call","id":"fc_01","call_id":"call_A","name":"get_weather",
               "arguments":"{\\"city\\":\\"Tokyo\\"}","status":"completed"}],
             "usage":{"input_tokens":40,"output_tokens":12,"total_tokens":52}}""";

    /** The same answer streamed, text and the call's arguments in pieces. */
    private static FakeUpstream.StreamScript functionCallStream() {
        return FakeUpstream.sse()
                .write(UpstreamFormat.OPENAI_RESPONSES.streamStart("gpt-5"))
                .write(event(
                        "response.output_text.delta",
                        "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_01\",\"output_index\":0,"
                                + "\"content_index\":0,\"delta\":\"Let me \"}"))
                .write(event(
                        "response.output_text.delta",
                        "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_01\",\"output_index\":0,"
                                + "\"content_index\":0,\"delta\":\"check.\"}"))
                .write(event(
                        "response.output_item.done",
                        "{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":\"message\","
                                + "\"id\":\"msg_01\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
                                + "[{\"type\":\"output_text\",\"text\":\"Let me check.\",\"annotations\":[]}]}}"))
                .write(
                        event(
                                "response.output_item.added",
                                "{\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"type\":\"function_call\","
                                        + "\"id\":\"fc_01\",\"call_id\":\"call_A\",\"name\":\"get_weather\",\"arguments\":\"\"}}"))
                .write(event(
                        "response.function_call_arguments.delta",
                        "{\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_01\","
                                + "\"output_index\":1,\"delta\":\"{\\\"city\\\": \"}"))
                .write(event(
                        "response.function_call_arguments.delta",
                        "{\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_01\","
                                + "\"output_index\":1,\"delta\":\"\\\"Tokyo\\\"}\"}"))
                .write(event(
                        "response.function_call_arguments.done",
                        "{\"type\":\"response.function_call_arguments.done\",\"item_id\":\"fc_01\","
                                + "\"output_index\":1,\"arguments\":\"{\\\"city\\\": \\\"Tokyo\\\"}\"}"))
                .write(event(
                        "response.completed",
                        "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_01\",\"object\":\"response\","
                                + "\"status\":\"completed\",\"model\":\"gpt-5\",\"output\":[],"
                                + "\"usage\":{\"input_tokens\":40,\"output_tokens\":12,\"total_tokens\":52}}}"));
    }

    private static String event(String type, String data) {
        return UpstreamFormat.responsesEvent(type, data);
    }

    @BeforeAll
    static void start() {
        fake = FakeUpstream.start();
        chatd = RunningChatd.start(Map.of("chatd.providers.opencode.base-url", fake.baseUrl() + "/zen/v1"));
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
        fake.on("POST", RESPONSES, FakeUpstream.json(200, FUNCTION_CALL_REPLY));
    }

    /** What Zen received, checked as the Responses format wants it; returns the body. */
    private static Map<String, Object> sentInResponsesFormat() {
        FakeUpstream.Recorded sent = fake.lastRequest();
        assertThat(sent.path()).isEqualTo(RESPONSES);
        assertThat(sent.header("Authorization")).isEqualTo("Bearer opencode-test-key");
        Map<String, Object> body = sent.json();
        assertThat(body.get("model")).isEqualTo("gpt-5");
        assertThat(body.get("store")).isEqualTo(false);
        assertThat(body).containsKey("input").doesNotContainKey("messages");
        return body;
    }

    @Test
    void anOpenAiClientsToolCallReachesResponsesAndComesBackAsOpenAi() throws Exception {
        HttpResponse<String> reply = chatd.post("/v1/chat/completions", """
                {"model":"opencode/gpt-5","messages":[
                  {"role":"system","content":"Be brief."},{"role":"user","content":"Weather in Tokyo?"}],
                 "tools":%s}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        Map<String, Object> sent = sentInResponsesFormat();
        assertThat(sent.get("instructions")).isEqualTo("Be brief.");
        assertThat(sent.get("input")).isEqualTo("Weather in Tokyo?");
        assertThat(sent.get("tools")).isEqualTo(JsonCodec.parse(RESPONSES_TOOLS));
        assertThat(sent.get("stream")).isEqualTo(false);
        Map<String, Object> body = json(reply.body());
        assertThat(body.get("object")).isEqualTo("chat.completion");
        assertThat(body.get("model")).isEqualTo("opencode/gpt-5");
        Map<String, Object> choice = first(body.get("choices"));
        assertThat(choice.get("finish_reason")).isEqualTo("tool_calls");
        Map<String, Object> message = map(choice.get("message"));
        assertThat(message.get("content")).isEqualTo("Let me check.");
        Map<String, Object> call = first(message.get("tool_calls"));
        assertThat(call.get("id")).isEqualTo("call_A");
        Map<String, Object> function = map(call.get("function"));
        assertThat(function.get("name")).isEqualTo("get_weather");
        assertThat(JsonCodec.parse((String) function.get("arguments"))).isEqualTo(Map.of("city", "Tokyo"));
        Map<String, Object> usage = map(body.get("usage"));
        assertThat((BigDecimal) usage.get("prompt_tokens")).isEqualByComparingTo("40");
        assertThat((BigDecimal) usage.get("completion_tokens")).isEqualByComparingTo("12");
    }

    @Test
    void anOpenAiClientsToolResultGoesAsAFunctionCallOutput() throws Exception {
        fake.on(
                "POST",
                RESPONSES,
                FakeUpstream.json(
                        200,
                        UpstreamFormat.OPENAI_RESPONSES.reply(
                                "gpt-5", "{\"role\":\"assistant\",\"content\":\"Sunny.\"}", "stop", 60, 5)));

        HttpResponse<String> reply = chatd.post("/v1/chat/completions", """
                {"model":"opencode/gpt-5","tools":%s,"messages":[
                  {"role":"user","content":"Weather in Tokyo?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_A","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_A","content":"sunny"}]}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(sentInResponsesFormat().get("input")).isEqualTo(JsonCodec.parse("""
                [{"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Tokyo?"}]},
                 {"type":"function_call","call_id":"call_A","name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"},
                 {"type":"function_call_output","call_id":"call_A","output":"sunny"}]"""));
        Map<String, Object> message =
                map(first(json(reply.body()).get("choices")).get("message"));
        assertThat(message.get("content")).isEqualTo("Sunny.");
    }

    @Test
    void anOpenAiClientsStreamComesBackAsOpenAiChunksWithTheToolCall() throws Exception {
        fake.on("POST", RESPONSES, functionCallStream());

        HttpResponse<String> reply = chatd.post("/v1/chat/completions", """
                {"model":"opencode/gpt-5","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"Weather in Tokyo?"}],"tools":%s}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(sentInResponsesFormat().get("stream")).isEqualTo(true);
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
        Map<String, Object> usage = null;
        for (String d : data.subList(0, data.size() - 1)) {
            Map<String, Object> chunk = json(d);
            assertThat(chunk.get("object")).isEqualTo("chat.completion.chunk");
            if (chunk.get("usage") instanceof Map<?, ?>) {
                usage = map(chunk.get("usage"));
            }
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
        assertThat(ids).containsExactly("call_A");
        assertThat(JsonCodec.parse(arguments.toString())).isEqualTo(Map.of("city", "Tokyo"));
        assertThat(finishes).containsExactly("tool_calls");
        assertThat(usage).isNotNull();
        assertThat((BigDecimal) usage.get("completion_tokens")).isEqualByComparingTo("12");
    }

    @Test
    void anOllamaClientsToolCallReachesResponsesAndComesBackAsOllama() throws Exception {
        HttpResponse<String> reply = chatd.post("/api/chat", """
                {"model":"opencode/gpt-5","stream":false,
                 "messages":[{"role":"user","content":"Weather in Tokyo?"}],"tools":%s}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        Map<String, Object> sent = sentInResponsesFormat();
        assertThat(sent.get("stream")).isEqualTo(false);
        assertThat(sent.get("tools")).isEqualTo(JsonCodec.parse(RESPONSES_TOOLS));
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
        fake.on("POST", RESPONSES, functionCallStream());

        HttpResponse<String> reply = chatd.post("/api/chat", """
                {"model":"opencode/gpt-5",
                 "messages":[{"role":"user","content":"Weather in Tokyo?"}],"tools":%s}""".formatted(TOOLS));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(sentInResponsesFormat().get("stream")).isEqualTo(true);
        StringBuilder text = new StringBuilder();
        List<Object> calls = new ArrayList<>();
        List<Map<String, Object>> lines = reply.body()
                .lines()
                .filter(l -> !l.isBlank())
                .map(ResponsesUpstreamTest::json)
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
    void anOpenAiClientsPlainStreamComesBackAsText() throws Exception {
        fake.on("POST", RESPONSES, UpstreamFormat.OPENAI_RESPONSES.stream("gpt-5", "Hel", "lo"));

        HttpResponse<String> reply = chatd.post("/v1/chat/completions", RunningChatd.streamRequest("opencode/gpt-5"));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        sentInResponsesFormat();
        StringBuilder text = new StringBuilder();
        reply.body()
                .lines()
                .filter(l -> l.startsWith("data: {"))
                .map(l -> json(l.substring("data: ".length())))
                .flatMap(chunk -> ((List<?>) chunk.get("choices")).stream())
                .map(c -> map(map(c).get("delta")).get("content"))
                .filter(String.class::isInstance)
                .forEach(s -> text.append((String) s));
        assertThat(text).hasToString("Hello");
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
