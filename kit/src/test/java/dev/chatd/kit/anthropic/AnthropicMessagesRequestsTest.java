package dev.chatd.kit.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.ollama.OllamaChatRequests;
import dev.chatd.kit.openai.OpenAiChatRequests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Anthropic Messages requests read from a client and written for an upstream of each format. */
class AnthropicMessagesRequestsTest {

    static ChatRequest decode(String json) {
        return AnthropicMessagesRequests.decodeRequest(view(json));
    }

    static JsonObjectView view(String json) {
        return JsonObjectView.of(JsonCodec.parse(json), "request body", ChatException.InvalidRequest::new);
    }

    static String claudeCodeRequest() {
        try (InputStream in =
                AnthropicMessagesRequestsTest.class.getResourceAsStream("/anthropic/claude-code-request.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
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

    @Test
    void maxTokensIsRequiredAndTheErrorNamesIt() {
        assertThatThrownBy(() -> decode("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("max_tokens");
        ChatRequest counted = AnthropicMessagesRequests.decodeCountRequest(
                view("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat(counted.maxTokens()).isNull();
    }

    @Test
    void aSystemRoleInMessagesIsRefusedWithItsPath() {
        assertThatThrownBy(() -> decode(
                        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("messages[0].role");
    }

    @Test
    void systemStringAndBlocksBecomeASystemMessage() {
        ChatRequest string = decode(
                "{\"model\":\"m\",\"max_tokens\":5,\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(string.messages().get(0)).isEqualTo(Message.of(Role.SYSTEM, "Be brief."));
        ChatRequest blocks = decode("{\"model\":\"m\",\"max_tokens\":5,\"system\":[{\"type\":\"text\",\"text\":\"A\"},"
                + "{\"type\":\"text\",\"text\":\"B\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(blocks.messages().get(0).role()).isEqualTo(Role.SYSTEM);
        assertThat(blocks.messages().get(0).content())
                .containsExactly(new ContentPart.Text("A"), new ContentPart.Text("B"));
    }

    @Test
    void samplingFieldsAndExtrasAreRead() {
        ChatRequest r = decode("{\"model\":\"m\",\"max_tokens\":300,\"temperature\":0.2,\"top_p\":0.9,\"top_k\":40,"
                + "\"stop_sequences\":[\"END\"],\"metadata\":{\"user_id\":\"u1\"},\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.maxTokens()).isEqualTo(300);
        assertThat(r.temperature()).isEqualTo(0.2);
        assertThat(r.topP()).isEqualTo(0.9);
        assertThat(r.stop()).containsExactly("END");
        assertThat(r.extra()).containsOnlyKeys("top_k", "metadata");
        assertThat(r.extraFormat()).isEqualTo(AnthropicMessagesRequests.FORMAT);
    }

    @Test
    void imagesBase64AndUrlBecomeImageParts() {
        ChatRequest r = decode("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}},"
                + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.jpg\"}},"
                + "{\"type\":\"text\",\"text\":\"What are these?\"}]}]}");
        assertThat(r.messages().get(0).content())
                .containsExactly(
                        new ContentPart.Image("data:image/png;base64,iVBORw0KGgo=", null),
                        new ContentPart.Image("https://example.com/a.jpg", null),
                        new ContentPart.Text("What are these?"));

        Map<String, Object> openAi = OpenAiChatRequests.encodeChat(r, false);
        assertThat(node(openAi, "messages", 0, "content", 0, "image_url", "url"))
                .isEqualTo("data:image/png;base64,iVBORw0KGgo=");
        ChatRequest fromOpenAi = r.withExtrasForEveryFormat();
        Map<String, Object> anthropic = AnthropicMessagesRequests.encodeRequest(stripVerbatim(fromOpenAi), false);
        assertThat(node(anthropic, "messages", 0, "content", 0, "source"))
                .isEqualTo(Map.of("type", "base64", "media_type", "image/png", "data", "iVBORw0KGgo="));
        assertThat(node(anthropic, "messages", 0, "content", 1, "source"))
                .isEqualTo(Map.of("type", "url", "url", "https://example.com/a.jpg"));
    }

    @Test
    void parallelToolCallsKeepOrderAndIdsAndSeveralResultsBecomeSeveralToolMessagesInOrder() {
        ChatRequest r = AnthropicMessagesRequests.decodeRequest(view(claudeCodeRequest()));
        List<Message> m = r.messages();
        assertThat(m)
                .extracting(Message::role)
                .containsExactly(Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.TOOL, Role.TOOL);
        Message assistant = m.get(2);
        assertThat(assistant.toolCalls())
                .containsExactly(
                        new ToolCall("toolu_01A", "Read", "{\"path\":\"/repo/README.md\"}"),
                        new ToolCall("toolu_01B", "Read", "{\"path\":\"/repo/pom.xml\",\"limit\":200}"));
        assertThat(assistant.reasoning()).isEqualTo("I should read both files at once.");
        assertThat(assistant.text()).isEqualTo("Reading both.");
        assertThat(m.get(3).toolCallId()).isEqualTo("toolu_01A");
        assertThat(m.get(3).text()).isEqualTo("# chatd\nA gateway.");
        assertThat(m.get(4).toolCallId()).isEqualTo("toolu_01B");
        assertThat(m.get(4).text()).isEqualTo("<project>\n<release>21</release>");

        // ...and back: one user message holding both results, in order, for an Anthropic upstream,
        Map<String, Object> anthropic = AnthropicMessagesRequests.encodeRequest(stripVerbatim(r), false);
        List<Object> messages = at(anthropic, "messages");
        assertThat(messages).hasSize(3);
        assertThat(node(anthropic, "messages", 2, "content", 0, "tool_use_id")).isEqualTo("toolu_01A");
        assertThat(node(anthropic, "messages", 2, "content", 1, "tool_use_id")).isEqualTo("toolu_01B");
        assertThat(node(anthropic, "messages", 1, "content", 0, "text")).isEqualTo("Reading both.");
        assertThat(node(anthropic, "messages", 1, "content", 2, "id")).isEqualTo("toolu_01B");
        assertThat(node(anthropic, "messages", 1, "content", 2, "input"))
                .isEqualTo(wire(Map.of("path", "/repo/pom.xml", "limit", 200)));
        // ...and two tool messages, in order, for an OpenAI-format one.
        Map<String, Object> openAi = OpenAiChatRequests.encodeChat(r, false);
        assertThat(node(openAi, "messages", 3, "tool_call_id")).isEqualTo("toolu_01A");
        assertThat(node(openAi, "messages", 4, "tool_call_id")).isEqualTo("toolu_01B");
        assertThat(node(openAi, "messages", 2, "tool_calls", 1, "id")).isEqualTo("toolu_01B");
    }

    @Test
    void anErrorResultSaysSoToOtherFormatsAndKeepsItsFlagForAnthropic() {
        ChatRequest r = decode("{\"model\":\"m\",\"max_tokens\":5,\"messages\":["
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"ls\",\"input\":{}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"is_error\":true,"
                + "\"content\":\"no such dir\"}]}]}");
        assertThat(r.messages().get(1).text()).isEqualTo("Error: no such dir");
        assertThat(r.messages().get(1).extra()).isEmpty();
        Map<String, Object> anthropic = AnthropicMessagesRequests.encodeRequest(r, false);
        assertThat(node(anthropic, "messages", 1, "content", 0))
                .isEqualTo(Map.of(
                        "type", "tool_result", "tool_use_id", "toolu_1", "is_error", true, "content", "no such dir"));
    }

    @Test
    void toolsAndToolChoiceMapToOpenAisAndBack() {
        String base = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"tool_choice\":";
        assertThat(decode(base + "{\"type\":\"auto\"}}").toolChoice()).isEqualTo("auto");
        assertThat(decode(base + "{\"type\":\"any\"}}").toolChoice()).isEqualTo("required");
        assertThat(decode(base + "{\"type\":\"none\"}}").toolChoice()).isEqualTo("none");
        ChatRequest named = decode(base + "{\"type\":\"tool\",\"name\":\"get_weather\"}}");
        assertThat(named.toolChoice()).isEqualTo(Map.of("type", "function", "function", Map.of("name", "get_weather")));
        assertThat(named.tools()).containsExactly(new Tool("get_weather", "Weather", wire(Map.of("type", "object"))));

        // From an OpenAI client, each to Anthropic's.
        for (var pair : List.of(
                Map.entry((Object) "auto", Map.of("type", "auto")),
                Map.entry((Object) "required", Map.of("type", "any")),
                Map.entry((Object) "none", Map.of("type", "none")),
                Map.entry(named.toolChoice(), Map.of("type", "tool", "name", "get_weather")))) {
            ChatRequest openAi = ChatRequest.builder()
                    .model("m")
                    .addMessage(Message.of(Role.USER, "Hi"))
                    .tools(named.tools())
                    .toolChoice(pair.getKey())
                    .build();
            assertThat(node(AnthropicMessagesRequests.encodeRequest(openAi, false), "tool_choice"))
                    .isEqualTo(pair.getValue());
        }
        ChatRequest serial = decode(base + "{\"type\":\"any\",\"disable_parallel_tool_use\":true}}");
        assertThat(node(AnthropicMessagesRequests.encodeRequest(serial, false), "tool_choice"))
                .isEqualTo(Map.of("type", "any", "disable_parallel_tool_use", true));
        assertThat(OpenAiChatRequests.encodeChat(serial, false)).containsEntry("tool_choice", "required");
    }

    @Test
    void thinkingBecomesAReasoningEffortAndBack() {
        String base =
                "{\"model\":\"m\",\"max_tokens\":40000,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"thinking\":";
        assertThat(decode(base + "{\"type\":\"enabled\",\"budget_tokens\":1024}}")
                        .reasoningEffort())
                .isEqualTo("low");
        assertThat(decode(base + "{\"type\":\"enabled\",\"budget_tokens\":4000}}")
                        .reasoningEffort())
                .isEqualTo("low");
        assertThat(decode(base + "{\"type\":\"enabled\",\"budget_tokens\":10000}}")
                        .reasoningEffort())
                .isEqualTo("medium");
        assertThat(decode(base + "{\"type\":\"enabled\",\"budget_tokens\":31999}}")
                        .reasoningEffort())
                .isEqualTo("high");
        assertThat(decode(base + "{\"type\":\"disabled\"}}").reasoningEffort()).isEqualTo("none");
        assertThatThrownBy(() -> decode(base + "{\"type\":\"enabled\"}}"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("thinking.budget_tokens");

        // An OpenAI client's effort, to an Anthropic upstream: a budget below max_tokens.
        for (String effort : List.of("low", "medium", "high")) {
            ChatRequest openAi = ChatRequest.builder()
                    .model("m")
                    .addMessage(Message.of(Role.USER, "Hi"))
                    .reasoningEffort(effort)
                    .build();
            Map<String, Object> body = AnthropicMessagesRequests.encodeRequest(openAi, false);
            int budget = at(body, "thinking", "budget_tokens");
            assertThat(AnthropicMessagesRequests.effortFor(budget)).isEqualTo(effort);
            assertThat((int) at(body, "max_tokens")).isEqualTo(AnthropicMessagesRequests.DEFAULT_MAX_TOKENS + budget);
        }
        ChatRequest tight = ChatRequest.builder()
                .model("m")
                .addMessage(Message.of(Role.USER, "Hi"))
                .maxTokens(3000)
                .reasoningEffort("high")
                .build();
        assertThat(node(AnthropicMessagesRequests.encodeRequest(tight, false), "thinking"))
                .isEqualTo(Map.of("type", "enabled", "budget_tokens", 2999));
        ChatRequest none = ChatRequest.builder()
                .model("m")
                .addMessage(Message.of(Role.USER, "Hi"))
                .reasoningEffort("none")
                .build();
        assertThat(node(AnthropicMessagesRequests.encodeRequest(none, false), "thinking"))
                .isEqualTo(Map.of("type", "disabled"));
    }

    @Test
    void aClaudeCodeRequestDecodesAndGoesToEveryUpstreamFormat() {
        ChatRequest r = AnthropicMessagesRequests.decodeRequest(view(claudeCodeRequest()));
        assertThat(r.model()).isEqualTo("kimi/kimi-for-coding");
        assertThat(r.tools()).hasSize(16);
        assertThat(r.reasoningEffort()).isEqualTo("high");
        assertThat(r.maxTokens()).isEqualTo(32000);
        assertThat(r.extra()).containsKeys("metadata", "thinking", "tools", "tool_choice");

        // To OpenAI- and Ollama-format upstreams nothing Anthropic's goes along.
        String openAi = JsonCodec.writeString(OpenAiChatRequests.encodeChat(r, true));
        String ollama = JsonCodec.writeString(OllamaChatRequests.encodeChat(r, true));
        for (String body : List.of(openAi, ollama)) {
            assertThat(body)
                    .doesNotContain("cache_control", "signature", "redacted_thinking", "metadata", "budget_tokens");
        }
        assertThat(node(JsonCodec.parse(openAi), "reasoning_effort")).isEqualTo("high");
        List<Object> tools = at(JsonCodec.parse(openAi), "tools");
        assertThat(tools).hasSize(16);
    }

    @Test
    void anAnthropicRequestGoesToAnAnthropicUpstreamUnchanged() {
        String original = claudeCodeRequest();
        ChatRequest r = AnthropicMessagesRequests.decodeRequest(view(original)).withModel("kimi-for-coding");
        Map<String, Object> sent = AnthropicMessagesRequests.encodeRequest(r, true);

        Object expected = JsonCodec.parse(original);
        @SuppressWarnings("unchecked")
        Map<String, Object> expectedBody = (Map<String, Object>) expected;
        expectedBody.put("model", "kimi-for-coding");
        expectedBody.put("temperature", wire(1.0)); // the same number, written 1.0
        // Field order aside, every field and every block is as the client wrote it.
        assertThat(wire(sent)).isEqualTo(expectedBody);
        assertThat(node(sent, "messages", 1, "content", 0, "signature")).isEqualTo("EqQBCkYIBRgCKkB3sig==");
        assertThat(node(sent, "messages", 1, "content", 1, "type")).isEqualTo("redacted_thinking");
        assertThat(node(sent, "system", 1, "cache_control")).isEqualTo(Map.of("type", "ephemeral"));
        assertThat(node(sent, "tools", 15, "cache_control")).isEqualTo(Map.of("type", "ephemeral"));
    }

    @Test
    void verbatimBlocksThatNoLongerSayWhatTheMessageSaysAreNotSent() {
        ChatRequest r = decode("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"old\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]}");
        Message edited = new Message(
                Role.USER,
                List.of(new ContentPart.Text("new")),
                null,
                List.of(),
                null,
                null,
                Map.of(),
                r.messages().get(0).verbatim());
        ChatRequest changed =
                ChatRequest.builder().model("m").addMessage(edited).build();
        assertThat(node(AnthropicMessagesRequests.encodeRequest(changed, false), "messages", 0, "content"))
                .isEqualTo(List.of(Map.of("type", "text", "text", "new")));
    }

    @Test
    void anOpenAiConversationBecomesAValidAnthropicOne() {
        ChatRequest r = ChatRequest.builder()
                .model("claude")
                .addMessage(Message.of(Role.SYSTEM, "Be brief."))
                .addMessage(Message.of(Role.USER, "Weather in Paris and Rome?"))
                .addMessage(new Message(
                        Role.ASSISTANT,
                        List.of(),
                        null,
                        List.of(new ToolCall(null, "w", "{\"city\":\"Paris\"}"), new ToolCall(null, "w", "")),
                        null,
                        "unsigned thoughts",
                        Map.of()))
                .addMessage(new Message(
                        Role.TOOL, List.of(new ContentPart.Text("20C")), null, List.of(), null, null, Map.of()))
                .addMessage(new Message(
                        Role.TOOL, List.of(new ContentPart.Text("25C")), null, List.of(), null, null, Map.of()))
                .addMessage(Message.of(Role.USER, "Thanks"))
                .temperature(0.5)
                .seed(7L)
                .extra(Map.of("logit_bias", Map.of()), OpenAiChatRequests.FORMAT)
                .build();
        Map<String, Object> body = AnthropicMessagesRequests.encodeRequest(r, true);
        assertThat(body)
                .containsEntry("system", "Be brief.")
                .containsEntry("max_tokens", 4096)
                .containsEntry("stream", true)
                .doesNotContainKeys("seed", "logit_bias");
        List<Object> messages = at(body, "messages");
        assertThat(messages).hasSize(3);
        List<Object> assistant = at(body, "messages", 1, "content");
        assertThat(assistant).hasSize(2); // the reasoning has no signature: not sent
        String first = at(assistant, 0, "id");
        String second = at(assistant, 1, "id");
        assertThat(first).matches("toolu_[0-9A-Za-z]{24}");
        assertThat(node(assistant, 1, "input")).isEqualTo(Map.of());
        List<Object> user = at(body, "messages", 2, "content");
        assertThat(user).hasSize(3);
        assertThat(node(user, 0, "tool_use_id")).isEqualTo(first);
        assertThat(node(user, 1, "tool_use_id")).isEqualTo(second);
        assertThat(node(user, 2, "text")).isEqualTo("Thanks");
    }

    @Test
    void moreThanOneChoiceIsABadRequestThatSaysWhy() {
        ChatRequest r = ChatRequest.builder()
                .model("m")
                .addMessage(Message.of(Role.USER, "Hi"))
                .n(2)
                .build();
        assertThatThrownBy(() -> AnthropicMessagesRequests.encodeRequest(r, false))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("n must be 1");
    }

    @Test
    void theEstimateCountsEveryKindOfInput() {
        ChatRequest plain =
                decode("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        ChatRequest full = AnthropicMessagesRequests.decodeRequest(view(claudeCodeRequest()));
        int base = AnthropicMessagesRequests.estimateInputTokens(plain);
        int all = AnthropicMessagesRequests.estimateInputTokens(full);
        assertThat(base).isBetween(1, 10);
        // 16 tools bring the tool-use prompt and their schemas.
        assertThat(all).isGreaterThan(346 + 16 * 100);

        ChatRequest noThinking = ChatRequest.builder()
                .model("m")
                .messages(full.messages().stream()
                        .map(m -> new Message(
                                m.role(), m.content(), m.name(), m.toolCalls(), m.toolCallId(), null, m.extra()))
                        .toList())
                .tools(full.tools())
                .build();
        assertThat(AnthropicMessagesRequests.estimateInputTokens(noThinking)).isLessThan(all);
        ChatRequest noTools =
                ChatRequest.builder().model("m").messages(full.messages()).build();
        assertThat(AnthropicMessagesRequests.estimateInputTokens(noTools)).isLessThan(all - 346);
    }

    private static ChatRequest stripVerbatim(ChatRequest r) {
        return ChatRequest.builder()
                .model(r.model())
                .messages(r.messages().stream()
                        .map(m -> new Message(
                                m.role(),
                                m.content(),
                                m.name(),
                                m.toolCalls(),
                                m.toolCallId(),
                                m.reasoning(),
                                m.extra()))
                        .toList())
                .tools(r.tools())
                .toolChoice(r.toolChoice())
                .maxTokens(r.maxTokens())
                .build();
    }
}
