package dev.chatd.kit.responses;

import static dev.chatd.kit.responses.ResponsesRequestsTest.at;
import static dev.chatd.kit.responses.ResponsesRequestsTest.node;
import static dev.chatd.kit.responses.ResponsesRequestsTest.wire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whole Responses replies read from an upstream and written for a client. */
class ResponsesRepliesTest {

    static final String TOOL_REPLY = """
            {"id":"resp_up","object":"response","created_at":1700000000,"status":"completed","error":null,
             "incomplete_details":null,"model":"gpt-5","output":[
              {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Two files."},
                {"type":"summary_text","text":"Read both."}],"encrypted_content":"gAAAAenc"},
              {"type":"message","id":"msg_1","status":"completed","role":"assistant",
               "content":[{"type":"output_text","text":"Reading.","annotations":[]}]},
              {"type":"function_call","id":"fc_1","status":"completed","call_id":"call_A","name":"read",
               "arguments":"{\\"path\\":\\"a\\"}"},
              {"type":"function_call","id":"fc_2","status":"completed","call_id":"call_B","name":"read",
               "arguments":"{\\"path\\":\\"b\\"}"}],
             "usage":{"input_tokens":120,"input_tokens_details":{"cached_tokens":100},"output_tokens":40,
               "output_tokens_details":{"reasoning_tokens":25},"total_tokens":160}}
            """;

    @Test
    void aReplyWithReasoningTextAndParallelCallsReadsInOrder() {
        ChatResponse response = ResponsesReplies.decodeReply(JsonCodec.parse(TOOL_REPLY), "zen");

        Message message = response.message();
        assertThat(response.id()).isEqualTo("resp_up");
        assertThat(response.model()).isEqualTo("gpt-5");
        assertThat(message.reasoning()).isEqualTo("Two files.\n\nRead both.");
        assertThat(message.text()).isEqualTo("Reading.");
        assertThat(message.toolCalls())
                .containsExactly(
                        new ToolCall("call_A", "read", "{\"path\":\"a\"}"),
                        new ToolCall("call_B", "read", "{\"path\":\"b\"}"));
        assertThat(response.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(response.usage()).isEqualTo(new Usage(120, 40, 160, null, 100, 25));
    }

    @Test
    void anUpstreamsItemsReachAResponsesClientAsTheyWere() {
        Object tree = JsonCodec.parse(TOOL_REPLY);
        ChatResponse response = ResponsesReplies.decodeReply(tree, "zen");

        Map<String, Object> body =
                at(wire(ResponsesReplies.encodeReply("resp_x", 1700000001L, "opencode/gpt-5", response)));

        assertThat(body.get("output")).isEqualTo(node(tree, "output"));
        assertThat(body.get("usage")).isEqualTo(node(tree, "usage"));
        assertThat(body).containsEntry("id", "resp_x").containsEntry("model", "opencode/gpt-5");
    }

    @Test
    void truncationIsTheLengthBothWays() {
        String json = """
                {"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},
                 "output":[{"type":"message","id":"m","role":"assistant","status":"incomplete",
                  "content":[{"type":"output_text","text":"Once upon","annotations":[]}]}],
                 "usage":{"input_tokens":5,"output_tokens":2,"total_tokens":7}}
                """;
        ChatResponse response = ResponsesReplies.decodeReply(JsonCodec.parse(json), "zen");
        assertThat(response.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(response.usage()).isEqualTo(new Usage(5, 2, 7, null, null, null));

        ChatResponse normalised = new ChatResponse(
                "x", "m", Message.of(Role.ASSISTANT, "Once upon"), FinishReason.LENGTH, Usage.of(5, 2));
        Map<String, Object> body = ResponsesReplies.encodeReply("resp_1", 1L, "m", normalised);
        assertThat(body).containsEntry("status", "incomplete");
        assertThat(body).containsEntry("incomplete_details", Map.of("reason", "max_output_tokens"));
        assertThat(node(body, "output", 0, "status")).isEqualTo("incomplete");

        String filtered = json.replace("max_output_tokens", "content_filter");
        assertThat(ResponsesReplies.decodeReply(JsonCodec.parse(filtered), "zen")
                        .finishReason())
                .isEqualTo(FinishReason.CONTENT_FILTER);
    }

    @Test
    void aNormalisedAnswerBecomesReasoningThenMessageThenFunctionCalls() {
        Message message = new Message(
                Role.ASSISTANT,
                List.of(new ContentPart.Text("Reading.")),
                null,
                List.of(new ToolCall("call_A", "read", "{\"path\":\"a\"}"), new ToolCall(null, "read", "{}")),
                null,
                "Two files.",
                Map.of());
        ChatResponse response =
                new ChatResponse("up", "kimi", message, FinishReason.TOOL_CALLS, new Usage(10, 5, 15, null, 3, 2));

        Map<String, Object> body = at(wire(ResponsesReplies.encodeReply("resp_1", 1700000000L, "kimi/k2", response)));

        assertThat(body)
                .containsEntry("id", "resp_1")
                .containsEntry("object", "response")
                .containsEntry("status", "completed")
                .containsEntry("model", "kimi/k2")
                .containsEntry("error", null)
                .containsEntry("incomplete_details", null)
                .containsEntry("instructions", null)
                .containsEntry("parallel_tool_calls", true)
                .containsEntry("tool_choice", "auto")
                .containsEntry("tools", List.of())
                .containsEntry("metadata", Map.of())
                .containsKeys("created_at", "temperature", "top_p")
                .doesNotContainKey("output_text");
        List<Map<String, Object>> output = at(body, "output");
        assertThat(output)
                .extracting(i -> i.get("type"))
                .containsExactly("reasoning", "message", "function_call", "function_call");
        assertThat((String) output.get(0).get("id")).startsWith("rs_");
        assertThat(node(output, 0, "summary")).isEqualTo(List.of(Map.of("type", "summary_text", "text", "Two files.")));
        assertThat((String) output.get(1).get("id")).startsWith("msg_");
        assertThat(node(output, 1, "content"))
                .isEqualTo(List.of(Map.of("type", "output_text", "text", "Reading.", "annotations", List.of())));
        assertThat(output.get(1)).containsEntry("role", "assistant").containsEntry("status", "completed");
        assertThat((String) output.get(2).get("id")).startsWith("fc_");
        assertThat(output.get(2))
                .containsEntry("call_id", "call_A")
                .containsEntry("name", "read")
                .containsEntry("arguments", "{\"path\":\"a\"}")
                .containsEntry("status", "completed");
        assertThat((String) output.get(3).get("call_id")).startsWith("call_");
        assertThat(body.get("usage"))
                .isEqualTo(wire(Map.of(
                        "input_tokens", 10,
                        "input_tokens_details", Map.of("cached_tokens", 3),
                        "output_tokens", 5,
                        "output_tokens_details", Map.of("reasoning_tokens", 2),
                        "total_tokens", 15)));
    }

    @Test
    void anErrorInA200OrAFailedStatusIsTheUpstreamsFailure() {
        assertThatThrownBy(() -> ResponsesReplies.decodeReply(
                        JsonCodec.parse("{\"error\":{\"code\":\"server_error\",\"message\":\"boom\"},\"output\":[]}"),
                        "zen"))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("boom");
        assertThatThrownBy(() -> ResponsesReplies.decodeReply(
                        JsonCodec.parse("{\"status\":\"failed\",\"error\":null,\"output\":[]}"), "zen"))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("failed");
        assertThatThrownBy(() -> ResponsesReplies.decodeReply(JsonCodec.parse("{\"status\":\"completed\"}"), "zen"))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("no output");
    }

    @Test
    void aHostedToolsItemFromAnUpstreamIsKeptNotRefused() {
        String json = """
                {"status":"completed","output":[{"type":"web_search_call","id":"ws_1","status":"completed"},
                 {"type":"message","id":"m","role":"assistant","content":[{"type":"output_text","text":"Found.",
                  "annotations":[]}]}]}
                """;

        ChatResponse response = ResponsesReplies.decodeReply(JsonCodec.parse(json), "zen");

        assertThat(response.message().text()).isEqualTo("Found.");
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.message().verbatim().blocks()).hasSize(2);
    }
}
