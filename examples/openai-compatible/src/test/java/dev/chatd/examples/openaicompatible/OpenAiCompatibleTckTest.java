package dev.chatd.examples.openaicompatible;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.ProviderContract;
import dev.chatd.tck.TestProviderContext;
import dev.chatd.tck.UpstreamFormat;
import org.junit.jupiter.api.Test;

/** The example plugin passes the provider TCK, at a base URL with a path as vLLM's and Groq's have. */
class OpenAiCompatibleTckTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new OpenAiCompatibleProviderFactory();
    }

    @Override
    protected UpstreamFormat format() {
        return UpstreamFormat.OPENAI_CHAT;
    }

    @Override
    protected String basePath() {
        return "/openai/v1";
    }

    @Override
    protected String model() {
        return "llama-3.3-70b-versatile";
    }

    @Test
    void aDeclaredInstanceWithoutAKeySendsNoAuthorization() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"hi\"}", "stop", 1, 1)));
        var provider = factory()
                .create(TestProviderContext.of("vllm", baseUrl(), (String) null))
                .orElseThrow();

        provider.chat(ChatRequest.builder()
                .model("qwen")
                .addMessage(Message.of(Role.USER, "Hi"))
                .build());

        assertThat(provider.name()).isEqualTo("vllm");
        assertThat(upstream.lastRequest().header("Authorization")).isNull();
    }
}
