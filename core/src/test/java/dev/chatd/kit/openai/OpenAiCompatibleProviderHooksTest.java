package dev.chatd.kit.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.TestProviderContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A provider's hooks shape the request and normalise the reply and each chunk; without hooks, plain OpenAI only. */
class OpenAiCompatibleProviderHooksTest {
    private static final ChatRequest HELLO = ChatRequest.builder()
            .model("m")
            .addMessage(Message.of(Role.USER, "Hi"))
            .build();

    private FakeUpstream fake;

    @BeforeEach
    void start() {
        fake = FakeUpstream.start();
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private OpenAiCompatibleProvider provider(OpenAiCompatibleProvider.Quirks quirks) {
        return new OpenAiCompatibleProvider(
                TestProviderContext.of("hooked", fake.baseUrl(), "sk-test"), Map.of(), quirks);
    }

    /** Renames a {@code verdict} field, this upstream's word, to OpenAI's {@code finish_reason}. */
    private static final class Renaming implements OpenAiCompatibleProvider.Quirks {
        @Override
        public Map<String, Object> request(Map<String, Object> body, ChatRequest request) {
            body.put("provider", Map.of("sort", "price"));
            body.remove("seed");
            return body;
        }

        @Override
        public Object reply(Object tree) {
            return rename(tree);
        }

        @Override
        public Object chunk(Object event) {
            return rename(event);
        }

        private static Object rename(Object tree) {
            JsonObjectView view = JsonObjectView.of(tree, "reply", IllegalStateException::new);
            for (Object choice : view.array("choices")) {
                JsonObjectView c = view.at(choice, "choice");
                if (c.has("verdict")) {
                    c.fields().put("finish_reason", c.fields().remove("verdict"));
                }
            }
            return tree;
        }
    }

    @Test
    void theRequestHookShapesTheBodySent() {
        fake.on("POST", "/chat/completions", FakeUpstream.json(200, """
                {"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}"""));

        provider(new Renaming())
                .chat(ChatRequest.builder()
                        .model("m")
                        .addMessage(Message.of(Role.USER, "Hi"))
                        .seed(7L)
                        .build());

        Map<String, Object> sent = fake.lastRequest().json();
        assertThat(sent).containsEntry("provider", Map.of("sort", "price")).doesNotContainKey("seed");
        assertThat(sent).containsEntry("model", "m");
    }

    @Test
    void theReplyHookNormalisesTheReplyBeforeItIsRead() {
        fake.on("POST", "/chat/completions", FakeUpstream.json(200, """
                {"choices":[{"index":0,"message":{"role":"assistant","content":"cut"},"verdict":"length"}]}"""));

        assertThat(provider(OpenAiCompatibleProvider.Quirks.NONE).chat(HELLO).finishReason())
                .isEqualTo(FinishReason.STOP);
        assertThat(provider(new Renaming()).chat(HELLO).finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void theChunkHookNormalisesEachStreamedEvent() {
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"cu\"}}]}",
                                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t\"},\"verdict\":\"length\"}]}")
                        .done());

        List<ChatChunk> chunks = drain(provider(new Renaming()).stream(HELLO));

        assertThat(chunks.get(chunks.size() - 1).finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void withoutHooksOnlyPlainOpenAiIsRead() {
        // OpenRouter's native_finish_reason and in-choice error, Kimi's choices[0].usage and Zen's top-level
        // cost are their providers' business now: the shared codec ignores them.
        fake.on("POST", "/chat/completions", FakeUpstream.json(200, """
                {"choices":[{"index":0,"message":{"role":"assistant","content":"x"},"native_finish_reason":"max_tokens",
                             "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4},
                             "error":{"message":"ignored"}}],
                 "cost":"0.5"}"""));

        ChatResponse response = provider(OpenAiCompatibleProvider.Quirks.NONE).chat(HELLO);

        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.usage()).isEqualTo(Usage.NONE);
        assertThat(response.message().text()).isEqualTo("x");
    }

    private static List<ChatChunk> drain(ChatStream stream) {
        List<ChatChunk> chunks = new ArrayList<>();
        try (stream) {
            while (stream.hasNext()) {
                chunks.add(stream.next());
            }
        }
        return chunks;
    }
}
