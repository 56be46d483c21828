package dev.chatd.provider.kimi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import dev.chatd.tck.ErrorRow;
import dev.chatd.tck.ProviderContract;
import dev.chatd.tck.TestProviderContext;
import dev.chatd.tck.UpstreamFormat;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Kimi For Coding with {@code api: anthropic}: the provider TCK in Anthropic's format at
 * {@code /coding/v1/messages}; the model list stays on OpenAI's {@code /models}.
 */
class KimiAnthropicTckTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new KimiProviderFactory();
    }

    @Override
    protected ProviderContext context(String key, Duration timeout, Duration streamIdleTimeout) {
        return new TestProviderContext(
                providerName(),
                baseUrl(),
                Optional.ofNullable(key).map(Secret::of),
                timeout,
                streamIdleTimeout,
                Map.of(),
                Map.of("api", "anthropic"));
    }

    @Override
    protected String model() {
        return "kimi-for-coding";
    }

    @Override
    protected UpstreamFormat format() {
        return UpstreamFormat.ANTHROPIC_MESSAGES;
    }

    @Override
    protected UpstreamFormat modelsFormat() {
        return UpstreamFormat.OPENAI_CHAT;
    }

    @Override
    protected String basePath() {
        return "/coding/v1";
    }

    @Test
    void theApiSettingIsDeclaredSoTheConfigCheckKnowsIt() {
        assertThat(factory().settingKeys()).contains("api");
    }

    @Test
    void anUnknownApiStopsTheProviderWithAClearReason() {
        ProviderContext context = TestProviderContext.of("kimi", baseUrl(), KEY).withSettings(Map.of("api", "grpc"));

        assertThatThrownBy(() -> factory().create(context))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("api is 'grpc'")
                .hasMessageContaining("openai or anthropic");
    }

    @Test
    void withoutTheSettingChatsStayOnChatCompletions() {
        upstream.on(
                "POST",
                "/coding/v1/chat/completions",
                dev.chatd.tck.FakeUpstream.json(
                        200,
                        UpstreamFormat.OPENAI_CHAT.reply(
                                model(), "{\"role\":\"assistant\",\"content\":\"Hi!\"}", "stop", 5, 2)));

        factory()
                .create(TestProviderContext.of("kimi", baseUrl(), KEY))
                .orElseThrow()
                .chat(ChatRequest.builder()
                        .model(model())
                        .addMessage(Message.of(Role.USER, "Hi"))
                        .build());

        assertThat(upstream.lastRequest().path()).isEqualTo("/coding/v1/chat/completions");
    }

    /** Kimi's refusal of clients it does not recognise reads the same on its Anthropic endpoint. */
    @Test
    void aRefusedClientIsExplainedOnTheAnthropicEndpointToo() {
        ChatException e = ErrorRow.json(
                        "403 access_terminated_error",
                        403,
                        """
                        {"type":"error","error":{"type":"access_terminated_error",\
                        "message":"Kimi For Coding is currently only available for Coding Agents"}}
                        """,
                        ChatException.UpstreamAuth.class,
                        "only the coding agents it recognises",
                        "does not spoof")
                .check(
                        upstream,
                        chatPath(),
                        provider(),
                        request(Message.of(Role.USER, "Hi")).build(),
                        KEY);

        assertThat(e.getMessage()).contains("User-Agent");
    }
}
