package dev.chatd.kit.anthropic;

import static dev.chatd.kit.anthropic.AnthropicMessagesRequestsTest.node;
import static dev.chatd.kit.anthropic.AnthropicMessagesRequestsTest.wire;
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
import dev.chatd.kit.openai.OpenAiChatReplies;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whole Anthropic replies read from an upstream and written for a client. */
class AnthropicMessagesRepliesTest {

    private static final String REPLY = """
            {"id":"msg_01X","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[
              {"type":"thinking","thinking":"Two files.","signature":"sig-1"},
              {"type":"redacted_thinking","data":"enc"},
              {"type":"text","text":"Reading."},
              {"type":"tool_use","id":"toolu_A","name":"Read","input":{"path":"a"}},
              {"type":"tool_use","id":"toolu_B","name":"Read","input":{"path":"b"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":40}}
            """;

    @Test
    void textThinkingAndToolUseBlocksAreRead() {
        ChatResponse r = AnthropicMessagesReplies.decodeReply(JsonCodec.parse(REPLY), "zen");
        assertThat(r.id()).isEqualTo("msg_01X");
        assertThat(r.model()).isEqualTo("claude-sonnet-4-5");
        assertThat(r.message().text()).isEqualTo("Reading.");
        assertThat(r.message().reasoning()).isEqualTo("Two files.");
        assertThat(r.message().toolCalls())
                .containsExactly(
                        new ToolCall("toolu_A", "Read", "{\"path\":\"a\"}"),
                        new ToolCall("toolu_B", "Read", "{\"path\":\"b\"}"));
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.usage().promptTokens()).isEqualTo(2112);
        assertThat(r.usage().completionTokens()).isEqualTo(40);
        assertThat(r.usage().cachedTokens()).isEqualTo(2000);
    }

    @Test
    void thinkingNeverBecomesTextForAnOpenAiClient() {
        ChatResponse r = AnthropicMessagesReplies.decodeReply(JsonCodec.parse(REPLY), "zen");
        Map<String, Object> openAi = OpenAiChatReplies.encodeResponse("c", 1, "m", r);
        assertThat(node(openAi, "choices", 0, "message", "content")).isEqualTo("Reading.");
        assertThat(node(openAi, "choices", 0, "message", "reasoning_content")).isEqualTo("Two files.");
    }

    @Test
    void anAnthropicUpstreamsReplyReachesAnAnthropicClientWithItsBlocksIntact() {
        ChatResponse r = AnthropicMessagesReplies.decodeReply(JsonCodec.parse(REPLY), "zen");
        Map<String, Object> written = AnthropicMessagesReplies.encodeReply("msg_new", "opencode/claude", r);
        assertThat(wire(node(written, "content"))).isEqualTo(node(JsonCodec.parse(REPLY), "content"));
        assertThat(written).containsEntry("stop_reason", "tool_use").containsEntry("model", "opencode/claude");
        assertThat(node(written, "usage"))
                .isEqualTo(Map.of("input_tokens", 112, "output_tokens", 40, "cache_read_input_tokens", 2000));
    }

    @ParameterizedTest
    @CsvSource({
        "end_turn, STOP",
        "stop_sequence, STOP",
        "pause_turn, STOP",
        "max_tokens, LENGTH",
        "tool_use, TOOL_CALLS",
        "refusal, CONTENT_FILTER"
    })
    void everyStopReasonIsRead(String stopReason, FinishReason expected) {
        String reply =
                "{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}],"
                        + "\"stop_reason\":\"" + stopReason + "\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}";
        assertThat(AnthropicMessagesReplies.decodeReply(JsonCodec.parse(reply), "p")
                        .finishReason())
                .isEqualTo(expected);
    }

    @Test
    void everyFinishIsWrittenAndToolCallsAlwaysEndWithToolUse() {
        assertThat(AnthropicMessagesReplies.stopReason(FinishReason.STOP, false))
                .isEqualTo("end_turn");
        assertThat(AnthropicMessagesReplies.stopReason(FinishReason.LENGTH, false))
                .isEqualTo("max_tokens");
        assertThat(AnthropicMessagesReplies.stopReason(FinishReason.CONTENT_FILTER, false))
                .isEqualTo("refusal");
        assertThat(AnthropicMessagesReplies.stopReason(FinishReason.TOOL_CALLS, false))
                .isEqualTo("tool_use");
        assertThat(AnthropicMessagesReplies.stopReason(FinishReason.ERROR, false))
                .isEqualTo("end_turn");
        for (FinishReason any : FinishReason.values()) {
            assertThat(AnthropicMessagesReplies.stopReason(any, true)).isEqualTo("tool_use");
        }
    }

    @Test
    void anOpenAiUpstreamThatSaysStopWhileCallingToolsEndsWithToolUse() {
        Message calling = new Message(
                Role.ASSISTANT,
                List.of(new ContentPart.Text("Checking.")),
                null,
                List.of(new ToolCall("call_1", "w", "{\"city\":\"Paris\"}"), new ToolCall(null, "w", "{}")),
                null,
                "why not",
                Map.of());
        ChatResponse r = new ChatResponse("x", "m", calling, FinishReason.STOP, new Usage(10, 5, 15, null));
        Map<String, Object> written = AnthropicMessagesReplies.encodeReply("msg_1", "kimi/k", r);
        assertThat(written)
                .containsEntry("id", "msg_1")
                .containsEntry("type", "message")
                .containsEntry("role", "assistant")
                .containsEntry("stop_reason", "tool_use")
                .containsEntry("stop_sequence", null);
        assertThat(node(written, "content", 0, "type")).isEqualTo("thinking");
        assertThat(node(written, "content", 0, "thinking")).isEqualTo("why not");
        assertThat(node(written, "content", 1)).isEqualTo(Map.of("type", "text", "text", "Checking."));
        assertThat(node(written, "content", 2, "id")).isEqualTo("call_1");
        assertThat(node(written, "content", 2, "input")).isEqualTo(wire(Map.of("city", "Paris")));
        assertThat((String) node(written, "content", 3, "id")).matches("toolu_[0-9A-Za-z]{24}");
        assertThat(node(written, "usage")).isEqualTo(Map.of("input_tokens", 10, "output_tokens", 5));
    }

    @Test
    void anErrorInsideA200FailsAsTheUpstreams() {
        Object error = JsonCodec.parse(
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        assertThatThrownBy(() -> AnthropicMessagesReplies.decodeReply(error, "zen"))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("zen")
                .hasMessageContaining("Overloaded");
    }
}
