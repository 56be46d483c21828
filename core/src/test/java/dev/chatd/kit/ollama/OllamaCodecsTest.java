package dev.chatd.kit.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonCodec;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OllamaCodecsTest {

    private static ChatRequest.Builder hello() {
        return ChatRequest.builder().model("llama3.2").addMessage(Message.of(Role.USER, "Hello"));
    }

    /** The body as the upstream reads it: encoded, written as JSON and parsed back. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> wire(ChatRequest request) {
        return (Map<String, Object>) JsonCodec.parse(JsonCodec.write(OllamaChatRequests.encodeChat(request, false)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Object>) value;
    }

    private static Map<String, Object> message(Map<String, Object> body, int index) {
        return object(list(body.get("messages")).get(index));
    }

    private static ChatResponse decode(String json) {
        return OllamaChatReplies.decodeChat(JsonCodec.parse(json), "ollama");
    }

    // ---- encodeChat ----

    @Test
    void encodesModelMessagesAndStreamFalseExplicitly() {
        Map<String, Object> body =
                wire(hello().addMessage(Message.of(Role.ASSISTANT, "Hi!")).build());

        assertThat(body.get("model")).isEqualTo("llama3.2");
        assertThat(body).containsEntry("stream", false);
        assertThat(message(body, 0)).isEqualTo(Map.of("role", "user", "content", "Hello"));
        assertThat(message(body, 1)).isEqualTo(Map.of("role", "assistant", "content", "Hi!"));
    }

    @Test
    void encodesStreamTrueWhenAsked() {
        assertThat(OllamaChatRequests.encodeChat(hello().build(), true)).containsEntry("stream", true);
    }

    @Test
    void extraStreamFieldCannotTurnOffTheSingleReply() {
        Map<String, Object> body = wire(hello().extra(Map.of("stream", true)).build());

        assertThat(body).containsEntry("stream", false);
    }

    @Test
    void requestWithoutSamplingFieldsHasNoOptions() {
        assertThat(wire(hello().build())).doesNotContainKey("options");
    }

    @Test
    void samplingFieldsGoIntoOptionsAndMaxTokensIsNumPredict() {
        Map<String, Object> body = wire(hello().temperature(0.7)
                .topP(0.9)
                .seed(42L)
                .maxTokens(256)
                .stop(List.of("\n\n", "END"))
                .build());

        Map<String, Object> options = object(body.get("options"));
        assertThat(options)
                .containsEntry("temperature", new BigDecimal("0.7"))
                .containsEntry("top_p", new BigDecimal("0.9"))
                .containsEntry("seed", new BigDecimal("42"))
                .containsEntry("num_predict", new BigDecimal("256"))
                .containsEntry("stop", List.of("\n\n", "END"));
        assertThat(body).doesNotContainKeys("temperature", "top_p", "seed", "max_tokens", "stop");
    }

    @Test
    void unknownExtraFieldsPassThroughAtTheTopLevel() {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("keep_alive", "5m");
        extra.put("think", true);
        extra.put("custom", Map.of("nested", List.of(new BigDecimal("1"))));

        Map<String, Object> body = wire(hello().extra(extra).build());

        assertThat(body)
                .containsEntry("keep_alive", "5m")
                .containsEntry("think", true)
                .containsEntry("custom", Map.of("nested", List.of(new BigDecimal("1"))));
    }

    @Test
    void extraFieldsCannotReplaceTheModelOrMessages() {
        Map<String, Object> body = wire(
                hello().extra(Map.of("model", "other", "messages", List.of())).build());

        assertThat(body.get("model")).isEqualTo("llama3.2");
        assertThat(list(body.get("messages"))).hasSize(1);
    }

    @Test
    void callerOptionsAreMergedWithTheSamplingFields() {
        Map<String, Object> body = wire(hello().temperature(0.2)
                .extra(Map.of(
                        "options", Map.of("num_ctx", new BigDecimal("8192"), "temperature", new BigDecimal("0.9"))))
                .build());

        Map<String, Object> options = object(body.get("options"));
        assertThat(options)
                .containsEntry("num_ctx", new BigDecimal("8192"))
                .containsEntry("temperature", new BigDecimal("0.2"));
    }

    @Test
    void callerOptionsAloneAreSentUnchanged() {
        Map<String, Object> body = wire(hello().extra(Map.of("options", Map.of("num_ctx", new BigDecimal("4096"))))
                .build());

        assertThat(body.get("options")).isEqualTo(Map.of("num_ctx", new BigDecimal("4096")));
    }

    @Test
    void toolsAreSentInOpenAiShape() {
        Map<String, Object> parameters = Map.of(
                "type", "object", "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));

        Map<String, Object> body =
                wire(hello().tools(List.of(new Tool("get_weather", "Weather for a city", parameters)))
                        .build());

        assertThat(list(body.get("tools")))
                .containsExactly(Map.of(
                        "type",
                        "function",
                        "function",
                        Map.of("name", "get_weather", "description", "Weather for a city", "parameters", parameters)));
    }

    @Test
    void jsonObjectResponseFormatBecomesFormatJson() {
        Map<String, Object> body =
                wire(hello().responseFormat(Map.of("type", "json_object")).build());

        assertThat(body).containsEntry("format", "json").doesNotContainKey("response_format");
    }

    @Test
    void jsonSchemaResponseFormatBecomesTheSchema() {
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("age", Map.of("type", "integer")));

        Map<String, Object> body = wire(hello().responseFormat(
                        Map.of("type", "json_schema", "json_schema", Map.of("name", "person", "schema", schema)))
                .build());

        assertThat(body.get("format")).isEqualTo(schema);
    }

    @Test
    void textResponseFormatSendsNoFormat() {
        assertThat(wire(hello().responseFormat(Map.of("type", "text")).build())).doesNotContainKey("format");
    }

    @Test
    void dataUrlImagesBecomeBareBase64() {
        Message withImage = new Message(
                Role.USER,
                List.of(
                        ContentPart.text("What is this?"),
                        new ContentPart.Image("data:image/png;base64,iVBORw0KGgo=", null)),
                null,
                null,
                null,
                null,
                null);

        Map<String, Object> m = message(
                wire(ChatRequest.builder().model("llava").addMessage(withImage).build()), 0);

        assertThat(m).containsEntry("content", "What is this?").containsEntry("images", List.of("iVBORw0KGgo="));
    }

    @Test
    void severalTextPartsAreJoinedALineApart() {
        Message twoParts = new Message(
                Role.USER, List.of(ContentPart.text("Hello"), ContentPart.text("world")), null, null, null, null, null);

        Map<String, Object> m = message(
                wire(ChatRequest.builder()
                        .model("llama3.2")
                        .addMessage(twoParts)
                        .build()),
                0);

        assertThat(m).containsEntry("content", "Hello\nworld");
    }

    @Test
    void httpImageUrlIsAnInvalidRequest() {
        Message withImage = new Message(
                Role.USER,
                List.of(new ContentPart.Image("https://example.com/cat.png", null)),
                null,
                null,
                null,
                null,
                null);
        ChatRequest request =
                ChatRequest.builder().model("llava").addMessage(withImage).build();

        assertThatThrownBy(() -> OllamaChatRequests.encodeChat(request, false))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("data:image");
    }

    @Test
    void assistantToolCallArgumentsTextBecomesAJsonObject() {
        Message call = new Message(
                Role.ASSISTANT,
                List.of(),
                null,
                List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Tokyo\"}")),
                null,
                null,
                null);

        Map<String, Object> m = message(wire(hello().addMessage(call).build()), 1);

        Map<String, Object> toolCall = object(list(m.get("tool_calls")).get(0));
        assertThat(toolCall).containsEntry("id", "call_1");
        assertThat(object(toolCall.get("function")))
                .isEqualTo(Map.of("name", "get_weather", "arguments", Map.of("city", "Tokyo")));
    }

    @Test
    void toolCallArgumentsThatAreNotAnObjectAreAnInvalidRequest() {
        Message call = new Message(
                Role.ASSISTANT,
                List.of(),
                null,
                List.of(new ToolCall("call_1", "get_weather", "[1,2]")),
                null,
                null,
                null);
        ChatRequest request = hello().addMessage(call).build();

        assertThatThrownBy(() -> OllamaChatRequests.encodeChat(request, false))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("get_weather");
    }

    @Test
    void toolMessageGetsTheToolNameOfTheCallItAnswers() {
        Message call = new Message(
                Role.ASSISTANT,
                List.of(),
                null,
                List.of(new ToolCall("call_9", "get_weather", "{\"city\":\"Tokyo\"}")),
                null,
                null,
                null);
        Message result =
                new Message(Role.TOOL, List.of(ContentPart.text("22 C, sunny")), null, null, "call_9", null, null);

        Map<String, Object> m =
                message(wire(hello().addMessage(call).addMessage(result).build()), 2);

        assertThat(m)
                .containsEntry("role", "tool")
                .containsEntry("content", "22 C, sunny")
                .containsEntry("tool_name", "get_weather");
    }

    @Test
    void assistantReasoningIsSentAsThinking() {
        Message answer =
                new Message(Role.ASSISTANT, List.of(ContentPart.text("4")), null, null, null, "2+2 is 4", null);

        assertThat(message(wire(hello().addMessage(answer).build()), 1)).containsEntry("thinking", "2+2 is 4");
    }

    // ---- decodeChat ----

    @Test
    void decodesContentModelAndUsage() {
        ChatResponse response = decode("""
                {"model":"llama3.2","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"Hello!"},
                 "done":true,"done_reason":"stop","total_duration":5191566416,"prompt_eval_count":26,"eval_count":298}
                """);

        assertThat(response.message().role()).isEqualTo(Role.ASSISTANT);
        assertThat(response.message().text()).isEqualTo("Hello!");
        assertThat(response.model()).isEqualTo("llama3.2");
        assertThat(response.usage()).isEqualTo(Usage.of(26, 298));
        assertThat(response.usage().totalTokens()).isEqualTo(324);
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void thinkingBecomesReasoning() {
        ChatResponse response = decode("""
                {"message":{"role":"assistant","content":"4","thinking":"2 plus 2"},"done":true,"done_reason":"stop"}
                """);

        assertThat(response.message().reasoning()).isEqualTo("2 plus 2");
        assertThat(response.message().text()).isEqualTo("4");
    }

    @Test
    void missingCountsGiveZeroUsage() {
        ChatResponse response = decode("{\"message\":{\"role\":\"assistant\",\"content\":\"x\"},\"done\":true}");

        assertThat(response.usage()).isEqualTo(Usage.of(0, 0));
    }

    @Test
    void missingPromptCountStillKeepsTheCompletionCount() {
        ChatResponse response =
                decode("{\"message\":{\"role\":\"assistant\",\"content\":\"x\"},\"done\":true,\"eval_count\":7}");

        assertThat(response.usage()).isEqualTo(Usage.of(0, 7));
    }

    @Test
    void objectToolCallArgumentsBecomeJsonText() {
        ChatResponse response = decode("""
                {"message":{"role":"assistant","content":"","tool_calls":[
                  {"function":{"name":"get_weather","arguments":{"city":"Tokyo","days":3}}}]},
                 "done":true,"done_reason":"stop"}
                """);

        assertThat(response.message().toolCalls())
                .containsExactly(new ToolCall(null, "get_weather", "{\"city\":\"Tokyo\",\"days\":3}"));
        assertThat(response.message().content()).isEmpty();
    }

    @Test
    void stringToolCallArgumentsAreKeptAndIdsToo() {
        ChatResponse response = decode("""
                {"message":{"role":"assistant","content":"","tool_calls":[
                  {"id":"call_7","function":{"index":0,"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                 "done":true,"done_reason":"stop"}
                """);

        assertThat(response.message().toolCalls())
                .containsExactly(new ToolCall("call_7", "get_weather", "{\"city\":\"Paris\"}"));
    }

    @Test
    void doneReasonLengthIsLength() {
        assertThat(decode("{\"message\":{\"content\":\"a\"},\"done\":true,\"done_reason\":\"length\"}")
                        .finishReason())
                .isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void doneReasonStopIsStop() {
        assertThat(decode("{\"message\":{\"content\":\"a\"},\"done\":true,\"done_reason\":\"stop\"}")
                        .finishReason())
                .isEqualTo(FinishReason.STOP);
    }

    @Test
    void doneReasonLoadIsStop() {
        assertThat(decode("{\"message\":{\"content\":\"\"},\"done\":true,\"done_reason\":\"load\"}")
                        .finishReason())
                .isEqualTo(FinishReason.STOP);
    }

    @Test
    void doneReasonUnloadIsStop() {
        assertThat(decode("{\"message\":{\"content\":\"\"},\"done\":true,\"done_reason\":\"unload\"}")
                        .finishReason())
                .isEqualTo(FinishReason.STOP);
    }

    @Test
    void doneWithoutDoneReasonIsStop() {
        // Ollama before 0.1.35 sends no done_reason at all (B-4).
        assertThat(decode("{\"message\":{\"content\":\"a\"},\"done\":true}").finishReason())
                .isEqualTo(FinishReason.STOP);
    }

    @Test
    void toolCallsWithDoneReasonStopAreToolCalls() {
        ChatResponse response = decode("""
                {"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{}}}]},
                 "done":true,"done_reason":"stop"}
                """);

        assertThat(response.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    }

    @Test
    void finishLadderIsNullWhileNotDone() {
        assertThat(OllamaChatReplies.finishReason(null, false)).isNull();
        assertThat(OllamaChatReplies.finishReason(null, null)).isNull();
    }

    @Test
    void finishLadderPrefersDoneReasonOverDone() {
        assertThat(OllamaChatReplies.finishReason("length", false)).isEqualTo(FinishReason.LENGTH);
        assertThat(OllamaChatReplies.finishReason("", true)).isEqualTo(FinishReason.STOP);
    }

    @Test
    void replyWithoutMessageIsAnUpstreamFailure() {
        assertThatThrownBy(() -> decode("{\"model\":\"llama3.2\",\"done\":true}"))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("no message");
    }

    @Test
    void errorBodyIsAnUpstreamFailureWithTheUpstreamText() {
        assertThatThrownBy(() -> decode("{\"error\":\"an error was encountered while running the model\"}"))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("an error was encountered while running the model");
    }

    @Test
    void replyThatIsNotAnObjectIsAnUpstreamFailure() {
        assertThatThrownBy(() -> decode("[1,2,3]")).isInstanceOf(ChatException.UpstreamFailure.class);
    }

    @Test
    void wrongTypedContentIsAnUpstreamFailureNamingThePath() {
        assertThatThrownBy(() -> decode("{\"message\":{\"content\":5},\"done\":true}"))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("message.content");
    }

    // ---- decodeRequest (chatd's Ollama ingress) ----

    private static List<Message> decodedMessages(String json) {
        return OllamaChatRequests.decodeRequest(dev.chatd.kit.json.JsonObjectView.of(
                        JsonCodec.parse(json), "the request body", ChatException.InvalidRequest::new))
                .messages();
    }

    @Test
    void toolResultsAnswerTheCallsOfTheirTurnInOrderAndAnIdSentIsKept() {
        List<Message> messages = decodedMessages("""
                {"model":"m","messages":[
                  {"role":"assistant","content":"","tool_calls":[
                    {"id":"a","function":{"name":"f","arguments":{}}},{"id":"b","function":{"name":"f","arguments":{}}}]},
                  {"role":"tool","tool_name":"f","content":"1"},
                  {"role":"tool","tool_name":"f","content":"2"},
                  {"role":"assistant","content":"","tool_calls":[
                    {"id":"c","function":{"name":"f","arguments":{}}},{"id":"d","function":{"name":"f","arguments":{}}}]},
                  {"role":"tool","tool_call_id":"d","tool_name":"f","content":"4"},
                  {"role":"tool","tool_name":"f","content":"3"}]}""");

        assertThat(messages).extracting(Message::toolCallId).containsExactly(null, "a", "b", null, "d", "c");
    }
}
