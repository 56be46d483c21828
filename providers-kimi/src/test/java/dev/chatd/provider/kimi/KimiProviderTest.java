package dev.chatd.provider.kimi;

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
import dev.chatd.tck.TestProviderContext;
import dev.chatd.tck.UpstreamFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Kimi For Coding: the shared OpenAI round trips, chatd's own User-Agent and Moonshot's reply quirks. */
class KimiProviderTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new KimiProviderFactory();
    }

    @Override
    protected String model() {
        return "kimi-for-coding";
    }

    @Override
    protected UpstreamFormat format() {
        return UpstreamFormat.OPENAI_CHAT;
    }

    @Override
    protected String basePath() {
        return "/coding/v1";
    }

    @Override
    protected String replyModel() {
        return "kimi-k2-0905-preview";
    }

    private static ChatRequest hello(String model) {
        return ChatRequest.builder()
                .model(model)
                .addMessage(Message.of(Role.USER, "Hi"))
                .build();
    }

    private void answerHello() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"Hi!\"}", "stop", 5, 2)));
    }

    /** Every value the fake received for a header, whatever the case of its name. */
    private static List<String> values(FakeUpstream.Recorded sent, String header) {
        return sent.headers().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(header))
                .flatMap(e -> e.getValue().stream())
                .toList();
    }

    @Test
    void chatdSaysWhoItIsAndPosesAsNoCodingAgent() {
        answerHello();

        provider().chat(hello(model()));

        assertThat(values(upstream.lastRequest(), "User-Agent"))
                .singleElement()
                .asString()
                .matches("chatd/\\S+")
                .doesNotContainIgnoringCase("claude")
                .doesNotContainIgnoringCase("kimi")
                .doesNotContainIgnoringCase("Java-http-client");
    }

    @ParameterizedTest
    @ValueSource(strings = {"User-Agent", "user-agent", "USER-AGENT", "User-agent"})
    void aConfiguredUserAgentReplacesChatds(String headerName) {
        answerHello();
        var provider = factory()
                .create(TestProviderContext.of("kimi", baseUrl(), KEY).withHeaders(Map.of(headerName, "KimiCLI/0.77")))
                .orElseThrow();

        provider.chat(hello(model()));

        assertThat(values(upstream.lastRequest(), "User-Agent")).containsExactly("KimiCLI/0.77");
        assertThat(upstream.lastRequest().header("Authorization")).isEqualTo("Bearer " + KEY);
    }

    @Test
    void reasoningContentReachesTheResponse() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply("""
                {"role":"assistant","content":"Use a HashMap.","reasoning_content":"The user wants O(1) lookups."}
                """, "stop", 20, 30)));

        ChatResponse response = provider().chat(hello(model()));

        assertThat(response.message().reasoning()).isEqualTo("The user wants O(1) lookups.");
        assertThat(response.message().text()).isEqualTo("Use a HashMap.");
    }

    @Test
    void usageInsideTheChoiceIsTheUsage() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, """
                {"id":"chatcmpl-kimi-1","object":"chat.completion","created":1700000000,"model":"kimi-k2-0905-preview",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Done."},"finish_reason":"stop",
                             "usage":{"prompt_tokens":31,"completion_tokens":7,"total_tokens":38}}]}
                """));

        ChatResponse response = provider().chat(hello(model()));

        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.usage().promptTokens()).isEqualTo(31);
        assertThat(response.usage().completionTokens()).isEqualTo(7);
        assertThat(response.usage().totalTokens()).isEqualTo(38);
    }

    @Test
    void usageInsideTheFirstChoiceOfAStreamedChunkIsTheUsage() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.sse()
                        .events(
                                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}",
                                "{\"id\":\"cmpl-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\","
                                        + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}]}")
                        .done());

        List<ChatChunk> chunks = streamAll(request(Message.of(Role.USER, "Hi")).build());

        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(chunks.get(0).content()).isEqualTo("Hi");
        assertThat(last.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(last.usage()).isEqualTo(new Usage(12, 5, 17, null));
    }
}
