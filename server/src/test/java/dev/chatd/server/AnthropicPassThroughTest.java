package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.UpstreamFormat;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An Anthropic client reaching an Anthropic-format upstream ({@code opencode/claude-…}) through
 * {@code /v1/messages}: what it sends arrives as it was sent (thinking signatures, redacted
 * thinking, {@code cache_control}, {@code is_error}), and what the upstream answers comes back
 * with the same blocks, whole and streamed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AnthropicPassThroughTest {
    private static final String MESSAGES = "/zen/v1/messages";

    private static FakeUpstream fake;
    private static RunningChatd chatd;

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

    private static final String SYSTEM = """
            [{"type":"text","text":"You are a coding agent.","cache_control":{"type":"ephemeral"}}]""";

    private static final String MESSAGES_SENT = """
            [{"role":"user","content":[{"type":"text","text":"Read the file","cache_control":{"type":"ephemeral"}}]},
             {"role":"assistant","content":[
               {"type":"thinking","thinking":"I should read it.","signature":"sig-abc=="},
               {"type":"redacted_thinking","data":"opaque-bytes"},
               {"type":"tool_use","id":"toolu_01","name":"read","input":{"path":"a.txt"}}]},
             {"role":"user","content":[
               {"type":"tool_result","tool_use_id":"toolu_01","content":"no such file","is_error":true}]}]""";

    private static final String TOOLS = """
            [{"name":"read","description":"Reads a file","input_schema":{"type":"object",
              "properties":{"path":{"type":"string"}},"required":["path"]},"cache_control":{"type":"ephemeral"}}]""";

    private static String request(boolean stream) {
        return "{\"model\":\"opencode/claude-sonnet-4-5\",\"max_tokens\":2048,\"stream\":" + stream
                + ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},\"system\":" + SYSTEM
                + ",\"tools\":" + TOOLS + ",\"messages\":" + MESSAGES_SENT + "}";
    }

    private static final String REPLY = """
            {"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"thinking","thinking":"Try another path.","signature":"sig-def=="},
              {"type":"text","text":"Trying b.txt."},
              {"type":"tool_use","id":"toolu_02","name":"read","input":{"path":"b.txt"}}],
             "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":90,"output_tokens":30}}""";

    @Test
    @SuppressWarnings("unchecked")
    void whatTheClientSendsArrivesUnchangedAndTheAnswerComesBackBlockForBlock() throws Exception {
        fake.on("POST", MESSAGES, FakeUpstream.json(200, REPLY));

        HttpResponse<String> reply = chatd.post("/v1/messages", request(false));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        Map<String, Object> sent = fake.lastRequest().json();
        assertThat(sent.get("messages")).isEqualTo(JsonCodec.parse(MESSAGES_SENT));
        assertThat(sent.get("system")).isEqualTo(JsonCodec.parse(SYSTEM));
        assertThat(sent.get("tools")).isEqualTo(JsonCodec.parse(TOOLS));
        assertThat(sent.get("model")).isEqualTo("claude-sonnet-4-5");
        Map<String, Object> body = (Map<String, Object>) JsonCodec.parse(reply.body());
        Map<String, Object> upstream = (Map<String, Object>) JsonCodec.parse(REPLY);
        assertThat(body.get("content")).isEqualTo(upstream.get("content"));
        assertThat(body).containsEntry("stop_reason", "tool_use").containsEntry("model", "opencode/claude-sonnet-4-5");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStreamedAnswerKeepsItsThinkingSignatureAndToolInput() throws Exception {
        fake.on(
                "POST",
                MESSAGES,
                FakeUpstream.sse()
                        .write(event(
                                "message_start",
                                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_03\",\"type\":\"message\","
                                        + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],"
                                        + "\"stop_reason\":null,\"stop_sequence\":null,"
                                        + "\"usage\":{\"input_tokens\":90,\"output_tokens\":1}}}"))
                        .write(start(0, "{\"type\":\"thinking\",\"thinking\":\"\"}"))
                        .write(delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"Try another path.\"}"))
                        .write(delta(0, "{\"type\":\"signature_delta\",\"signature\":\"sig-def==\"}"))
                        .write(stop(0))
                        .write(start(1, "{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"read\",\"input\":{}}"))
                        .write(delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \"}"))
                        .write(delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"b.txt\\\"}\"}"))
                        .write(stop(1))
                        .write(event(
                                "message_delta",
                                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
                                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":30}}"))
                        .write(event("message_stop", "{\"type\":\"message_stop\"}")));

        HttpResponse<String> reply = chatd.post("/v1/messages", request(true));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(fake.lastRequest().json().get("messages")).isEqualTo(JsonCodec.parse(MESSAGES_SENT));
        List<String> names = new ArrayList<>();
        StringBuilder thinking = new StringBuilder();
        StringBuilder input = new StringBuilder();
        String signature = null;
        Map<String, Object> toolStart = null;
        String stopReason = null;
        for (String block : reply.body().split("\n\n")) {
            String name = null;
            String data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
            if (name == null || name.equals("ping")) {
                continue;
            }
            names.add(name);
            Map<String, Object> event = (Map<String, Object>) JsonCodec.parse(data);
            if (name.equals("content_block_start")
                    && "tool_use".equals(((Map<String, Object>) event.get("content_block")).get("type"))) {
                toolStart = (Map<String, Object>) event.get("content_block");
            }
            if (name.equals("content_block_delta")) {
                Map<String, Object> delta = (Map<String, Object>) event.get("delta");
                switch ((String) delta.get("type")) {
                    case "thinking_delta" -> thinking.append(delta.get("thinking"));
                    case "signature_delta" -> signature = (String) delta.get("signature");
                    case "input_json_delta" -> input.append(delta.get("partial_json"));
                    default -> {}
                }
            }
            if (name.equals("message_delta")) {
                stopReason = (String) ((Map<String, Object>) event.get("delta")).get("stop_reason");
            }
        }
        assertThat(names.get(0)).isEqualTo("message_start");
        assertThat(names.get(names.size() - 1)).isEqualTo("message_stop");
        assertThat(thinking).hasToString("Try another path.");
        assertThat(signature).isEqualTo("sig-def==");
        assertThat(toolStart).containsEntry("id", "toolu_02").containsEntry("name", "read");
        assertThat(JsonCodec.parse(input.toString())).isEqualTo(Map.of("path", "b.txt"));
        assertThat(stopReason).isEqualTo("tool_use");
    }

    private static String event(String name, String data) {
        return UpstreamFormat.anthropicEvent(name, data);
    }

    private static String start(int index, String block) {
        return event(
                "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":" + block + "}");
    }

    private static String delta(int index, String delta) {
        return event(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + delta + "}");
    }

    private static String stop(int index) {
        return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
    }
}
