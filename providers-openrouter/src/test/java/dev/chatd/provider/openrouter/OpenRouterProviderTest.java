package dev.chatd.provider.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.ProviderSettings;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.ProviderContract;
import dev.chatd.tck.TestProviderContext;
import dev.chatd.tck.UpstreamFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenRouter: the shared OpenAI round trips, and what OpenRouter does its own way. */
class OpenRouterProviderTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new OpenRouterProviderFactory();
    }

    @Override
    protected String model() {
        return "anthropic/claude-3.5-sonnet";
    }

    @Override
    protected UpstreamFormat format() {
        return UpstreamFormat.OPENAI_CHAT;
    }

    @Override
    protected String basePath() {
        return "/api/v1";
    }

    private ChatProvider provider(Map<String, String> settings) {
        return factory()
                .create(TestProviderContext.of("openrouter", baseUrl(), KEY).withSettings(settings))
                .orElseThrow();
    }

    private static ChatRequest hello(String model) {
        return ChatRequest.builder()
                .model(model)
                .addMessage(Message.of(Role.USER, "Hi"))
                .build();
    }

    /** A non-streaming OpenRouter reply; {@code choice} is the body of {@code choices[0]}. */
    private static String reply(String choice, String usage) {
        return """
                {"id":"gen-1700000000-abc","provider":"Anthropic","model":"anthropic/claude-3.5-sonnet",
                 "object":"chat.completion","created":1700000000,
                 "choices":[{"logprobs":null,"index":0,%s}],
                 "usage":%s}
                """.formatted(choice, usage);
    }

    private static final String USAGE = "{\"prompt_tokens\":14,\"completion_tokens\":4,\"total_tokens\":18}";

    @Test
    void attributionHeadersComeFromTheProvidersSettings() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply("""
                "finish_reason":"stop","native_finish_reason":"end_turn","message":{"role":"assistant","content":"Hi!"}
                """, USAGE)));

        provider(Map.of("referer", "https://chatd.example", "title", "chatd at Example"))
                .chat(hello(model()));

        FakeUpstream.Recorded sent = upstream.lastRequest();
        assertThat(sent.header("HTTP-Referer")).isEqualTo("https://chatd.example");
        assertThat(sent.header("X-Title")).isEqualTo("chatd at Example");
        assertThat(sent.header("Authorization")).isEqualTo("Bearer " + KEY);
    }

    @Test
    void noAttributionHeadersWhenNoneAreConfigured() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply("""
                "finish_reason":"stop","message":{"role":"assistant","content":"Hi!"}
                """, USAGE)));

        provider(Map.of("referer", " ")).chat(hello(model()));

        FakeUpstream.Recorded sent = upstream.lastRequest();
        assertThat(sent.header("HTTP-Referer")).isNull();
        assertThat(sent.header("X-Title")).isNull();
    }

    @ParameterizedTest(name = "native {0} → {1} (finish_reason {2})")
    @CsvSource({
        "max_tokens, LENGTH,         absent",
        "max_tokens, LENGTH,         null",
        "MAX_TOKENS, LENGTH,         null", // Google's upper-case values
        "SAFETY,     CONTENT_FILTER, absent",
        "tool_use,   TOOL_CALLS,     absent",
    })
    void nativeFinishReasonIsUsedWhenFinishReasonIsMissing(
            String nativeReason, FinishReason expected, String finishField) {
        String finish = "absent".equals(finishField) ? "" : "\"finish_reason\":null,";
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply(finish + """
                "native_finish_reason":"%s","message":{"role":"assistant","content":"Partial answ"}
                """.formatted(nativeReason), USAGE)));

        ChatResponse response = provider().chat(hello(model()));

        assertThat(response.finishReason()).isEqualTo(expected);
    }

    @Test
    void finishReasonWinsOverTheNativeOne() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply("""
                "finish_reason":"length","native_finish_reason":"end_turn","message":{"role":"assistant","content":"x"}
                """, USAGE)));

        assertThat(provider().chat(hello(model())).finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void usageCostAndReasoningReachTheResponse() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply("""
                "finish_reason":"stop","native_finish_reason":"end_turn",
                "message":{"role":"assistant","content":"42","refusal":null,
                           "reasoning":"The user asks for the answer; it is 42."}
                """, """
                {"prompt_tokens":14,"completion_tokens":25,"total_tokens":39,"cost":0.000423,"is_byok":false,
                 "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":21}}
                """)));

        ChatResponse response = provider().chat(hello(model()));

        assertThat(response.message().text()).isEqualTo("42");
        assertThat(response.message().reasoning()).isEqualTo("The user asks for the answer; it is 42.");
        assertThat(response.usage().promptTokens()).isEqualTo(14);
        assertThat(response.usage().completionTokens()).isEqualTo(25);
        assertThat(response.usage().totalTokens()).isEqualTo(39);
        assertCost(response.usage(), "0.000423");
    }

    @Test
    void anErrorInsideASuccessfulReplyIsAnUpstreamFailure() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply("""
                "finish_reason":"error","native_finish_reason":"error",
                "message":{"role":"assistant","content":""},
                "error":{"code":502,"message":"Upstream provider Anthropic returned an overloaded_error",
                         "metadata":{"provider_name":"Anthropic"}}
                """, USAGE)));

        assertThatThrownBy(() -> provider().chat(hello(model())))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("Upstream provider Anthropic returned an overloaded_error");
    }

    @Test
    void variantSuffixesStayOnTheModelId() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply("""
                "finish_reason":"stop","message":{"role":"assistant","content":"Hi!"}
                """, USAGE)));

        // Through the host's registry, which strips the routing prefix the way the server does.
        ProviderSettings node =
                new ProviderSettings(true, baseUrl(), null, Path.of(""), null, null, Map.of(), Map.of());
        try (ProviderRegistry registry = ProviderRegistry.build(
                List.of(factory()),
                new ProviderRegistry.Settings(
                        "ollama", Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of("openrouter", node)),
                new KeyResolver(Map.of("OPENROUTER_API_KEY", KEY)::get))) {
            ProviderRegistry.Route route = registry.route("openrouter/meta-llama/llama-3.3-70b-instruct:free");
            route.provider().chat(hello(route.upstreamModel()));
        }

        assertThat(upstream.lastRequest().json().get("model")).isEqualTo("meta-llama/llama-3.3-70b-instruct:free");
    }
}
