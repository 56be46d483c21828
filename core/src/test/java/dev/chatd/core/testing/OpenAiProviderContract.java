package dev.chatd.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatStream;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.ProviderSettings;
import dev.chatd.kit.json.JsonCodec;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The round trips every OpenAI-format provider must get right, run by each provider module
 * against a fake of its own upstream: plain chat, tool calls with their follow-up, multi-part
 * content and fields chatd does not model. Calls go through the real registry, so the model's
 * routing prefix is stripped the way the server strips it.
 */
public abstract class OpenAiProviderContract {
    /** The configured key; also a canary that must never show up in an error. */
    protected static final String KEY = "sk-canary-xyz";

    protected FakeUpstream upstream;
    private ProviderRegistry registry;

    /** The provider's factory, as ServiceLoader finds it. */
    protected abstract ChatProviderFactory factory();

    /** A model as a caller names it, routing prefix included ({@code openrouter/openai/gpt-4o}). */
    protected abstract String routedModel();

    /** That model as the upstream must receive it ({@code openai/gpt-4o}). */
    protected abstract String upstreamModel();

    /** The path of the real base URL ({@code /api/v1}), so that joining it with the endpoint is tested. */
    protected abstract String basePath();

    /** The model the upstream names in its reply; Kimi's may differ from the one asked for. */
    protected String replyModel() {
        return upstreamModel();
    }

    @BeforeEach
    void startUpstream() {
        upstream = FakeUpstream.start();
    }

    @AfterEach
    void stopUpstream() {
        if (registry != null) {
            registry.close();
        }
        upstream.close();
    }

    /** The base URL the provider is configured with: the fake's, with the real path. */
    protected URI baseUrl() {
        return URI.create(upstream.baseUrl() + basePath());
    }

    /** The endpoint path the fake must be called on. */
    protected String completionsPath() {
        return basePath() + "/chat/completions";
    }

    /** A registry holding this provider only, its key given by its canonical variable. */
    protected ProviderRegistry registry(Map<String, String> environment) {
        ProviderSettings node = new ProviderSettings(true, baseUrl(), null, Path.of(""), null, null, Map.of(), Map.of());
        registry = ProviderRegistry.build(List.of(factory()),
                new ProviderRegistry.Settings("ollama", Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of(factory().name(), node)),
                new KeyResolver(environment::get));
        return registry;
    }

    /** Routes and sends the request as the server does. */
    protected ChatResponse chat(ChatRequest request) {
        ProviderRegistry registry = this.registry != null ? this.registry
                : registry(Map.of(factory().defaults().keyEnv(), KEY));
        ProviderRegistry.Route route = registry.route(request.model());
        return route.provider().chat(request.withModel(route.upstreamModel()));
    }

    /** Routes and streams the request as the server does, and reads the stream to its end. */
    protected List<ChatChunk> stream(ChatRequest request) {
        ProviderRegistry registry = this.registry != null ? this.registry
                : registry(Map.of(factory().defaults().keyEnv(), KEY));
        ProviderRegistry.Route route = registry.route(request.model());
        List<ChatChunk> chunks = new ArrayList<>();
        try (ChatStream stream = route.provider().stream(request.withModel(route.upstreamModel()))) {
            while (stream.hasNext()) {
                chunks.add(stream.next());
            }
        }
        return chunks;
    }

    protected static Object json(String text) {
        return JsonCodec.parse(text);
    }

    /** A plain OpenAI {@code chat.completion} around one assistant message. */
    protected String completion(String messageJson, String finishReason, int prompt, int completion) {
        return """
                {"id":"chatcmpl-123","object":"chat.completion","created":1700000000,"model":"%s",
                 "choices":[{"index":0,"message":%s,"finish_reason":"%s"}],
                 "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}
                """.formatted(replyModel(), messageJson, finishReason, prompt, completion, prompt + completion);
    }

    private ChatRequest.Builder request(Message... messages) {
        return ChatRequest.builder().model(routedModel()).messages(List.of(messages));
    }

    @Test
    void plainChatReachesTheUpstreamInOpenAiShapeAndComesBackNormalised() {
        upstream.on("POST", completionsPath(), FakeUpstream.json(200,
                completion("{\"role\":\"assistant\",\"content\":\"Hello from upstream\"}", "length", 9, 2)));

        ChatResponse response = chat(request(Message.of(Role.SYSTEM, "Be brief."), Message.of(Role.USER, "Hi"))
                .temperature(0.2).topP(0.9).maxTokens(64).stop(List.of("END", "\n\n")).seed(42L).build());

        FakeUpstream.Recorded sent = upstream.lastRequest();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo(completionsPath());
        assertThat(sent.header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.header("Content-Type")).startsWith("application/json");
        Map<String, Object> body = sent.json();
        assertThat(body.get("model")).isEqualTo(upstreamModel());
        assertThat(body.get("stream")).isEqualTo(false);
        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]
                """));
        assertThat((BigDecimal) body.get("temperature")).isEqualByComparingTo("0.2");
        assertThat((BigDecimal) body.get("top_p")).isEqualByComparingTo("0.9");
        assertThat((BigDecimal) body.get("max_tokens")).isEqualByComparingTo("64");
        assertThat((BigDecimal) body.get("seed")).isEqualByComparingTo("42");
        assertThat(body.get("stop")).isEqualTo(List.of("END", "\n\n"));
        assertThat(body).doesNotContainKeys("tools", "tool_choice", "stream_options");

        assertThat(response.id()).isEqualTo("chatcmpl-123");
        assertThat(response.model()).isEqualTo(replyModel());
        assertThat(response.message().role()).isEqualTo(Role.ASSISTANT);
        assertThat(response.message().text()).isEqualTo("Hello from upstream");
        assertThat(response.message().toolCalls()).isEmpty();
        assertThat(response.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(response.usage().promptTokens()).isEqualTo(9);
        assertThat(response.usage().completionTokens()).isEqualTo(2);
        assertThat(response.usage().totalTokens()).isEqualTo(11);
    }

    @Test
    void toolCallComesBackAndTheFollowUpCarriesTheCallAndItsResult() {
        Tool weather = new Tool("get_weather", "Current weather in a city", json("""
                {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}
                """));
        Object toolChoice = json("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
        upstream.on("POST", completionsPath(), FakeUpstream.json(200, completion("""
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]}
                """, "tool_calls", 40, 12)));
        Message question = Message.of(Role.USER, "Weather in Tokyo?");

        ChatResponse first = chat(request(question).tools(List.of(weather)).toolChoice(toolChoice).build());

        Map<String, Object> sent = upstream.lastRequest().json();
        assertThat(sent.get("tools")).isEqualTo(json("""
                [{"type":"function","function":{"name":"get_weather","description":"Current weather in a city",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]
                """));
        assertThat(sent.get("tool_choice")).isEqualTo(toolChoice);
        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(first.message().toolCalls()).containsExactly(new ToolCall("call_abc", "get_weather", "{\"city\":\"Tokyo\"}"));
        assertThat(first.message().content()).isEmpty();

        upstream.on("POST", completionsPath(), FakeUpstream.json(200,
                completion("{\"role\":\"assistant\",\"content\":\"It is 21 °C in Tokyo.\"}", "stop", 60, 9)));
        Message result = new Message(Role.TOOL, List.of(new ContentPart.Text("{\"temp_c\":21}")), null, List.of(),
                "call_abc", null, Map.of());

        ChatResponse second = chat(request(question, first.message(), result).tools(List.of(weather)).build());

        assertThat(upstream.requests()).hasSize(2);
        assertThat(upstream.lastRequest().json().get("messages")).isEqualTo(json("""
                [{"role":"user","content":"Weather in Tokyo?"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function",
                   "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]},
                 {"role":"tool","content":"{\\"temp_c\\":21}","tool_call_id":"call_abc"}]
                """));
        assertThat(second.message().text()).isEqualTo("It is 21 °C in Tokyo.");
        assertThat(second.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void imagesTravelAsAListOfPartsAndPlainTextAsAString() {
        upstream.on("POST", completionsPath(), FakeUpstream.json(200,
                completion("{\"role\":\"assistant\",\"content\":\"Two cats.\"}", "stop", 800, 3)));
        Message withImages = new Message(Role.USER, List.of(
                new ContentPart.Text("What is in these pictures?"),
                new ContentPart.Image("https://example.com/cat.png", "low"),
                new ContentPart.Image("data:image/png;base64,iVBORw0KGgo=", null)), null, List.of(), null, null, Map.of());

        ChatResponse response = chat(request(Message.of(Role.SYSTEM, "Describe images."), withImages).build());

        assertThat(upstream.lastRequest().json().get("messages")).isEqualTo(json("""
                [{"role":"system","content":"Describe images."},
                 {"role":"user","content":[
                   {"type":"text","text":"What is in these pictures?"},
                   {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}},
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]
                """));
        assertThat(response.message().text()).isEqualTo("Two cats.");
    }

    @Test
    void severalTextPartsStayApartInsteadOfRunningTogether() {
        upstream.on("POST", completionsPath(), FakeUpstream.json(200,
                completion("{\"role\":\"assistant\",\"content\":\"ok\"}", "stop", 5, 1)));
        Message twoParts = new Message(Role.USER, List.of(new ContentPart.Text("Hello"), new ContentPart.Text("world")),
                null, List.of(), null, null, Map.of());

        chat(request(twoParts).build());

        assertThat(upstream.lastRequest().json().get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":"world"}]}]
                """));
    }

    @Test
    @SuppressWarnings("unchecked")
    void fieldsChatdDoesNotModelArriveUnchanged() {
        upstream.on("POST", completionsPath(), FakeUpstream.json(200,
                completion("{\"role\":\"assistant\",\"content\":\"ok\"}", "stop", 5, 1)));
        Map<String, Object> extra = (Map<String, Object>) json("""
                {"provider":{"order":["anthropic","openai"],"allow_fallbacks":false,"sort":"price",
                             "max_price":{"prompt":1.5,"completion":2.50}},
                 "models":["anthropic/claude-3.5-sonnet","openai/gpt-4o"],
                 "reasoning":{"effort":"high","exclude":false},
                 "logprobs":true,
                 "top_logprobs":3,
                 "x_chatd_probe":{"nested":[1,-2.50e3,{"deep":null}],"flag":false,"text":"ünïcødé ✓ \\"q\\""}}
                """);
        Object responseFormat = json("""
                {"type":"json_schema","json_schema":{"name":"answer","strict":true,
                 "schema":{"type":"object","properties":{"ok":{"type":"boolean"}}}}}
                """);
        Map<String, Object> messageExtra = (Map<String, Object>) json("{\"cache_control\":{\"type\":\"ephemeral\"}}");
        Message user = new Message(Role.USER, List.of(new ContentPart.Text("Hi")), "alice", List.of(), null, null,
                messageExtra);

        chat(request(user).responseFormat(responseFormat).extra(extra).build());

        Map<String, Object> sent = upstream.lastRequest().json();
        extra.forEach((field, value) -> assertThat(sent).as("field %s", field).containsEntry(field, value));
        assertThat(sent.get("response_format")).isEqualTo(responseFormat);
        assertThat(sent.get("messages")).isEqualTo(json("""
                [{"role":"user","content":"Hi","name":"alice","cache_control":{"type":"ephemeral"}}]
                """));
    }

    @Test
    void withoutAKeyTheProviderStaysUnregistered() {
        assertThat(factory().create(TestProviderContext.of(factory().name(), baseUrl(), (String) null))).isEmpty();

        ProviderRegistry registry = registry(Map.of());
        assertThat(registry.names()).doesNotContain(factory().name());
        assertThatThrownBy(() -> chat(request(Message.of(Role.USER, "Hi")).build()))
                .isInstanceOf(ChatException.ProviderNotFound.class)
                .hasMessageContaining(factory().defaults().keyEnv());
        assertThat(upstream.requests()).isEmpty();
    }

    /** A usage with its cost compared by value, not by scale. */
    protected static void assertCost(Usage usage, String expected) {
        assertThat(usage.cost()).as("usage cost").isNotNull();
        assertThat(usage.cost()).isEqualByComparingTo(expected);
    }
}
