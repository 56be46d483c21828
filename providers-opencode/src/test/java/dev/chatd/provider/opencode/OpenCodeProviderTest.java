package dev.chatd.provider.opencode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Usage;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.ProviderContract;
import dev.chatd.tck.UpstreamFormat;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenCode Zen: the shared OpenAI round trips, and Zen's cost field. */
class OpenCodeProviderTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new OpenCodeProviderFactory();
    }

    @Override
    protected String model() {
        return "glm-5";
    }

    @Override
    protected UpstreamFormat format() {
        return UpstreamFormat.OPENAI_CHAT;
    }

    @Override
    protected String basePath() {
        return "/zen/v1";
    }

    private ChatResponse hello() {
        return provider()
                .chat(ChatRequest.builder()
                        .model(model())
                        .addMessage(Message.of(Role.USER, "Hi"))
                        .build());
    }

    @Test
    void topLevelCostStringLandsInTheUsage() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, """
                {"id":"chatcmpl-zen-1","object":"chat.completion","created":1700000000,"model":"glm-5",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15},
                 "cost":"0.00001234"}
                """));

        ChatResponse response = hello();

        assertThat(upstream.lastRequest().json().get("model")).isEqualTo("glm-5");
        assertThat(response.message().text()).isEqualTo("Hello!");
        assertThat(response.usage().promptTokens()).isEqualTo(12);
        assertThat(response.usage().completionTokens()).isEqualTo(3);
        assertThat(response.usage().totalTokens()).isEqualTo(15);
        assertCost(response.usage(), "0.00001234");
    }

    @Test
    void costWithoutTokenCountsIsStillReported() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, """
                {"id":"chatcmpl-zen-2","object":"chat.completion","created":1700000000,"model":"big-pickle",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
                 "cost":"0"}
                """));

        ChatResponse response = hello();

        assertThat(response.usage().totalTokens()).isZero();
        assertCost(response.usage(), "0");
    }

    @Test
    void reasoningContentOfZensModelsReachesTheResponse() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, """
                {"id":"chatcmpl-zen-3","object":"chat.completion","created":1700000000,"model":"kimi-k2.5",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"4",
                             "reasoning_content":"2 + 2 is 4."},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":8,"completion_tokens":6,"total_tokens":14},"cost":"0.0000021"}
                """));

        ChatResponse response = hello();

        assertThat(response.message().reasoning()).isEqualTo("2 + 2 is 4.");
        assertThat(response.message().text()).isEqualTo("4");
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void dataAfterDoneIsIgnoredButZensCostChunkThereIsKept() {
        // Zen appends a cost chunk after the upstream's [DONE].
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.sse()
                        .events(
                                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}",
                                "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
                                "{\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}")
                        .done()
                        .events(
                                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" NOT PART OF THE ANSWER\"}}]}",
                                "{\"choices\":[],\"cost\":\"0.00001234\"}"));

        List<ChatChunk> chunks = streamAll(request(Message.of(Role.USER, "Hi")).build());

        assertThat(chunks.stream()
                        .map(ChatChunk::content)
                        .filter(c -> c != null)
                        .toList())
                .containsExactly("Hello");
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(last.usage()).isEqualTo(new Usage(9, 2, 11, new BigDecimal("0.00001234")));
    }
}
