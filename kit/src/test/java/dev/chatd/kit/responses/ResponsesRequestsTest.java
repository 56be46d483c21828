package dev.chatd.kit.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.anthropic.AnthropicMessagesRequests;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatRequests;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Responses requests read from a client and written for a Responses upstream and for upstreams of other formats. */
class ResponsesRequestsTest {

    static ChatRequest decode(String json) {
        return ResponsesRequests.decodeRequest(view(json));
    }

    static JsonObjectView view(String json) {
        return JsonObjectView.of(JsonCodec.parse(json), "request body", ChatException.InvalidRequest::new);
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object tree, Object... path) {
        Object node = tree;
        for (Object step : path) {
            node = step instanceof Integer i ? ((List<Object>) node).get(i) : ((Map<String, Object>) node).get(step);
        }
        return (T) node;
    }

    /** The node at {@code path}, untyped, for assertions. */
    static Object node(Object tree, Object... path) {
        return at(tree, path);
    }

    /** A tree as it would travel: written as JSON and read back. */
    static Object wire(Object tree) {
        return JsonCodec.parse(JsonCodec.writeString(tree));
    }

    /** A coding agent's second turn: its tools, the model's reasoning and two parallel calls, and their outputs. */
    static final String AGENT_TURN = """
            {"model":"opencode/gpt-5","instructions":"You are a coding agent.",
             "input":[
              {"type":"message","role":"developer","content":[{"type":"input_text","text":"Be brief."}]},
              {"role":"user","content":[{"type":"input_text","text":"What is in these?"},
                {"type":"input_image","image_url":"data:image/png;base64,iVBO","detail":"low"},
                {"type":"input_file","file_id":"file-1"}]},
              {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Both files."}],
               "encrypted_content":"gAAAAenc"},
              {"type":"message","id":"msg_1","role":"assistant","status":"completed",
               "content":[{"type":"output_text","text":"Reading.","annotations":[]}]},
              {"type":"function_call","id":"fc_1","call_id":"call_A","name":"read","arguments":"{\\"path\\":\\"a\\"}"},
              {"type":"function_call","id":"fc_2","call_id":"call_B","name":"read","arguments":"{\\"path\\":\\"b\\"}"},
              {"type":"function_call_output","call_id":"call_A","output":"alpha"},
              {"type":"function_call_output","call_id":"call_B","output":[{"type":"input_text","text":"beta"}]}
             ],
             "tools":[{"type":"function","name":"read","description":"Reads a file",
               "parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],
                 "additionalProperties":false},"strict":true}],
             "tool_choice":{"type":"function","name":"read"},
             "parallel_tool_calls":true,
             "max_output_tokens":2048,"temperature":0.2,"top_p":0.9,
             "text":{"format":{"type":"json_schema","name":"answer","schema":{"type":"object"},"strict":true},
                     "verbosity":"low"},
             "reasoning":{"effort":"high","summary":"auto"},
             "include":["reasoning.encrypted_content"],
             "metadata":{"session":"s1"},"user":"u-1","store":false,"stream":true}
            """;

    @Test
    void itemsBecomeNormalisedMessagesWithEveryCallAnsweredInOrder() {
        ChatRequest request = decode(AGENT_TURN);

        List<Message> m = request.messages();
        assertThat(m)
                .extracting(Message::role)
                .containsExactly(Role.SYSTEM, Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.TOOL, Role.TOOL);
        assertThat(m.get(0).text()).isEqualTo("You are a coding agent.");
        assertThat(m.get(1).text()).isEqualTo("Be brief.");
        assertThat(m.get(2).content())
                .containsExactly(
                        new ContentPart.Text("What is in these?"),
                        new ContentPart.Image("data:image/png;base64,iVBO", "low"));
        Message assistant = m.get(3);
        assertThat(assistant.reasoning()).isEqualTo("Both files.");
        assertThat(assistant.text()).isEqualTo("Reading.");
        assertThat(assistant.toolCalls())
                .containsExactly(
                        new ToolCall("call_A", "read", "{\"path\":\"a\"}"),
                        new ToolCall("call_B", "read", "{\"path\":\"b\"}"));
        assertThat(m.get(4).toolCallId()).isEqualTo("call_A");
        assertThat(m.get(4).text()).isEqualTo("alpha");
        assertThat(m.get(5).toolCallId()).isEqualTo("call_B");
        assertThat(m.get(5).text()).isEqualTo("beta");

        assertThat(request.model()).isEqualTo("opencode/gpt-5");
        assertThat(request.maxTokens()).isEqualTo(2048);
        assertThat(request.temperature()).isEqualTo(0.2);
        assertThat(request.topP()).isEqualTo(0.9);
        assertThat(request.reasoningEffort()).isEqualTo("high");
        assertThat(request.tools()).extracting(Tool::name).containsExactly("read");
        assertThat(request.toolChoice()).isEqualTo(Map.of("type", "function", "function", Map.of("name", "read")));
        assertThat(request.responseFormat())
                .isEqualTo(Map.of(
                        "type",
                        "json_schema",
                        "json_schema",
                        Map.of("name", "answer", "schema", Map.of("type", "object"), "strict", true)));
        assertThat(request.extraFormat()).isEqualTo(ResponsesRequests.FORMAT);
        assertThat(request.extra())
                .containsKeys(
                        "parallel_tool_calls", "include", "metadata", "user", "store", "tools", "text", "reasoning")
                .doesNotContainKeys("model", "input", "instructions", "stream");
    }

    @Test
    void aResponsesRequestReachesAResponsesUpstreamAsItWasButForStore() {
        Map<String, Object> original = at(JsonCodec.parse(AGENT_TURN));

        Map<String, Object> sent = at(wire(ResponsesRequests.encodeRequest(decode(AGENT_TURN), true)));

        Map<String, Object> expected = new LinkedHashMap<>(original);
        expected.put("store", false);
        assertThat(sent).isEqualTo(expected);
    }

    @Test
    void aStringInputAndInstructionsGoBackAsTheyCame() {
        String json = "{\"model\":\"m\",\"instructions\":\"Be kind.\",\"input\":\"Hello\"}";

        Map<String, Object> sent = ResponsesRequests.encodeRequest(decode(json), false);

        assertThat(sent).containsEntry("instructions", "Be kind.").containsEntry("input", "Hello");
        assertThat(sent).containsEntry("store", false).containsEntry("stream", false);
        assertThat(decode(json).messages())
                .containsExactly(Message.of(Role.SYSTEM, "Be kind."), Message.of(Role.USER, "Hello"));
    }

    @Test
    void aFunctionCallRoundTripReachesAChatUpstreamAsToolCallsAndToolMessages() {
        ChatRequest request = decode(AGENT_TURN).withModel("gpt-5");

        Map<String, Object> body = at(wire(OpenAiChatRequests.encodeChat(request, false)));

        List<Object> messages = at(body, "messages");
        assertThat(messages).hasSize(6);
        assertThat(node(body, "messages", 3, "tool_calls", 0, "id")).isEqualTo("call_A");
        assertThat(node(body, "messages", 3, "tool_calls", 1, "id")).isEqualTo("call_B");
        assertThat(node(body, "messages", 4, "role")).isEqualTo("tool");
        assertThat(node(body, "messages", 4, "tool_call_id")).isEqualTo("call_A");
        assertThat(node(body, "messages", 5, "tool_call_id")).isEqualTo("call_B");
        // Extras of the Responses format stay with Responses upstreams.
        assertThat(body).doesNotContainKeys("include", "text", "reasoning", "store");
    }

    @Test
    void aResponsesRequestReachesAnAnthropicUpstreamWithToolResultsByCallId() {
        Map<String, Object> body = at(wire(AnthropicMessagesRequests.encodeRequest(decode(AGENT_TURN), false)));

        assertThat(node(body, "system", 0, "text")).isEqualTo("You are a coding agent.");
        List<Map<String, Object>> results = at(body, "messages", 2, "content");
        assertThat(results).extracting(b -> b.get("tool_use_id")).containsExactly("call_A", "call_B");
    }

    @Test
    void aChatRequestBecomesResponsesItemsWithInstructionsAndNonStrictTools() {
        ChatRequest chat = OpenAiChatRequests.decodeRequest(view("""
                {"model":"m","messages":[
                  {"role":"system","content":"Sys."},
                  {"role":"user","content":"Weather?"},
                  {"role":"assistant","content":null,"reasoning_content":"thinking",
                   "tool_calls":[{"id":"call_1","type":"function","function":{"name":"w","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"sunny"},
                  {"role":"system","content":"Late system."}],
                 "tools":[{"type":"function","function":{"name":"w","parameters":{"type":"object"}}}],
                 "tool_choice":"required","max_tokens":100,
                 "response_format":{"type":"json_object"},"reasoning_effort":"low","stop":["x"],"seed":3}
                """));

        Map<String, Object> body = at(wire(ResponsesRequests.encodeRequest(chat, false)));

        assertThat(body).containsEntry("instructions", "Sys.");
        assertThat(JsonCodec.writeString(body.get("input")))
                .isEqualTo(
                        "[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather?\"}]},"
                                + "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"w\",\"arguments\":\"{}\"},"
                                + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"sunny\"},"
                                + "{\"type\":\"message\",\"role\":\"system\",\"content\":[{\"type\":\"input_text\",\"text\":\"Late system.\"}]}]");
        assertThat(JsonCodec.writeString(body.get("tools")))
                .isEqualTo(
                        "[{\"type\":\"function\",\"name\":\"w\",\"parameters\":{\"type\":\"object\"},\"strict\":false}]");
        assertThat(body)
                .containsEntry("tool_choice", "required")
                .containsEntry("max_output_tokens", java.math.BigDecimal.valueOf(100))
                .containsEntry("text", Map.of("format", Map.of("type", "json_object")))
                .containsEntry("reasoning", Map.of("effort", "low"))
                .doesNotContainKeys("stop", "seed", "response_format", "max_tokens", "messages");
    }

    @Test
    void aMessageChangedOnTheWayIsSentAsItNowReads() {
        ChatRequest request = decode(AGENT_TURN);
        List<Message> messages = new java.util.ArrayList<>(request.messages());
        Message tool = messages.get(4);
        messages.set(
                4,
                new Message(
                        Role.TOOL,
                        List.of(new ContentPart.Text("redacted")),
                        null,
                        List.of(),
                        "call_A",
                        null,
                        Map.of(),
                        tool.verbatim()));
        ChatRequest changed =
                ChatRequest.builder().model("m").messages(messages).build();

        Map<String, Object> body = at(wire(ResponsesRequests.encodeRequest(changed, false)));

        assertThat(node(body, "input", 6))
                .isEqualTo(Map.of("type", "function_call_output", "call_id", "call_A", "output", "redacted"));
        assertThat(node(body, "input", 2, "encrypted_content")).isEqualTo("gAAAAenc");
    }

    @Test
    void previousResponseIdIsRefusedWithWhatToSendInstead() {
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"input\":\"hi\",\"previous_response_id\":\"resp_1\"}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("previous_response_id")
                .hasMessageContaining("keeps no conversation state")
                .hasMessageContaining("store: false");
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"input\":\"hi\",\"conversation\":\"conv_1\"}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("keeps no conversation state");
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("input[0].type is item_reference")
                .hasMessageContaining("store: false");
    }

    @Test
    void hostedToolsAreRefusedSayingChatdSupportsFunctionTools() {
        assertThatThrownBy(
                        () -> decode(
                                "{\"model\":\"m\",\"input\":\"hi\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"web_search\"}]}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("tools[1].type is 'web_search'")
                .hasMessageContaining("chatd supports function tools");
        assertThatThrownBy(
                        () -> decode("{\"model\":\"m\",\"input\":\"hi\",\"tool_choice\":{\"type\":\"file_search\"}}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("tool_choice.type is 'file_search'");
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"input\":[{\"type\":\"web_search_call\",\"id\":\"ws_1\"}]}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("input[0].type is 'web_search_call'");
    }

    @Test
    void toolChoicesAndTextFormatsMapToChatShapesAndBack() {
        for (String choice : List.of("auto", "none", "required")) {
            ChatRequest r = decode("{\"model\":\"m\",\"input\":\"hi\",\"tool_choice\":\"" + choice + "\"}");
            assertThat(r.toolChoice()).isEqualTo(choice);
            assertThat(ResponsesRequests.encodeRequest(r, false)).containsEntry("tool_choice", choice);
        }
        ChatRequest json =
                decode("{\"model\":\"m\",\"input\":\"hi\",\"text\":{\"format\":{\"type\":\"json_object\"}}}");
        assertThat(json.responseFormat()).isEqualTo(Map.of("type", "json_object"));
        assertThat(json.extra()).doesNotContainKey("text");
        assertThat(ResponsesRequests.encodeRequest(json, false))
                .containsEntry("text", Map.of("format", Map.of("type", "json_object")));
        ChatRequest plain = decode("{\"model\":\"m\",\"input\":\"hi\",\"text\":{\"format\":{\"type\":\"text\"}}}");
        assertThat(plain.responseFormat()).isNull();
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"input\":\"hi\",\"text\":{\"format\":{\"type\":\"yaml\"}}}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("text.format.type is 'yaml'");
    }

    @Test
    void malformedInputNamesItsPath() {
        assertThatThrownBy(() -> decode("{\"model\":\"m\"}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("input is required");
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"name\":\"f\"}]}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("input[0].call_id is required");
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"input\":[{\"role\":\"robot\",\"content\":\"x\"}]}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("input[0].role is 'robot'");
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("max_output_tokens is 0");
    }

    @Test
    void moreThanOneChoiceCannotGoToAResponsesUpstream() {
        ChatRequest request = OpenAiChatRequests.decodeRequest(
                view("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        assertThatThrownBy(() -> ResponsesRequests.encodeRequest(request, false))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("n is 2");
    }

    @Test
    void aCallWithoutAnIdGetsOneWhichItsOutputTakes() {
        ChatRequest request = ChatRequest.builder()
                .model("m")
                .addMessage(Message.of(Role.USER, "go"))
                .addMessage(new Message(
                        Role.ASSISTANT, List.of(), null, List.of(new ToolCall(null, "f", "{}")), null, null, Map.of()))
                .addMessage(new Message(
                        Role.TOOL, List.of(new ContentPart.Text("done")), null, List.of(), null, null, Map.of()))
                .build();

        Map<String, Object> body = ResponsesRequests.encodeRequest(request, false);

        String id = at(body, "input", 1, "call_id");
        assertThat(id).startsWith("call_");
        assertThat(node(body, "input", 2, "call_id")).isEqualTo(id);
    }
}
