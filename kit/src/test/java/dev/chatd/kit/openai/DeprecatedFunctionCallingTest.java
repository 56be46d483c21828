package dev.chatd.kit.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** OpenAI's deprecated function calling read as tools, tool choice, tool calls and tool messages. */
class DeprecatedFunctionCallingTest {

    private static JsonObjectView json(String text) {
        return JsonObjectView.of(JsonCodec.parse(text), "the request body", ChatException.InvalidRequest::new);
    }

    private static ChatRequest decode(String text) {
        return OpenAiChatRequests.decodeRequest(json(text));
    }

    @Test
    void functionCallChoicesBecomeToolChoices() {
        String ask = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"functions\":[{\"name\":\"f\"}],\"function_call\":%s}";

        assertThat(decode(ask.formatted("\"none\"")).toolChoice()).isEqualTo("none");
        assertThat(decode(ask.formatted("\"auto\"")).toolChoice()).isEqualTo("auto");
        assertThat(decode(ask.formatted("{\"name\":\"f\"}")).toolChoice())
                .isEqualTo(Map.of("type", "function", "function", Map.of("name", "f")));
        assertThat(decode(ask.formatted("{\"name\":\"f\"}")).tools())
                .singleElement()
                .satisfies(tool -> assertThat(tool.name()).isEqualTo("f"));
        assertThatThrownBy(() -> decode(ask.formatted("42")))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("function_call must be");
    }

    @Test
    void aToolChoiceSentBesideFunctionCallWins() {
        ChatRequest request = decode("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"tool_choice\":\"required\",\"function_call\":\"none\"}");

        assertThat(request.toolChoice()).isEqualTo("required");
        assertThat(request.extra()).doesNotContainKeys("function_call", "functions");
    }

    @Test
    void onlyAClientThatSentFunctionsWithoutToolsWantsTheDeprecatedShapeBack() {
        assertThat(OpenAiChatRequests.usesFunctions(json("{\"functions\":[]}"))).isTrue();
        assertThat(OpenAiChatRequests.usesFunctions(json("{\"functions\":[],\"tools\":[]}")))
                .isFalse();
        assertThat(OpenAiChatRequests.usesFunctions(json("{\"tools\":[]}"))).isFalse();
    }

    @Test
    void resultsAnswerTheCallsOfTheirNameInOrder() {
        List<Message> messages = decode("""
                {"model":"m","messages":[{"role":"user","content":"Weather and time?"},
                {"role":"assistant","content":null,"tool_calls":[
                  {"type":"function","function":{"name":"weather","arguments":"{}"}},
                  {"id":"call_t","type":"function","function":{"name":"time","arguments":"{}"}}]},
                {"role":"function","name":"time","content":"09:00"},
                {"role":"function","name":"weather","content":"sunny"},
                {"role":"assistant","content":null,"function_call":{"name":"weather","arguments":{"city":"Paris"}}},
                {"role":"function","name":"weather","content":"rainy"}]}""").messages();

        List<ToolCall> first = messages.get(1).toolCalls();
        assertThat(first.get(0).id()).isEqualTo("call_1_0");
        assertThat(first.get(1).id()).isEqualTo("call_t");
        assertThat(messages.get(2).role()).isEqualTo(Role.TOOL);
        assertThat(messages.get(2).toolCallId()).isEqualTo("call_t");
        assertThat(messages.get(3).toolCallId()).isEqualTo("call_1_0");
        ToolCall second = messages.get(4).toolCalls().getFirst();
        assertThat(second.name()).isEqualTo("weather");
        assertThat(second.arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(messages.get(5).toolCallId()).isEqualTo(second.id()).isEqualTo("call_4_0");
    }

    @Test
    void aFunctionResultNeedsAName() {
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("messages[0].name");
    }
}
