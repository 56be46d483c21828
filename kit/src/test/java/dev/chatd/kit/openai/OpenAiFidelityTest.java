package dev.chatd.kit.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Choices, log probabilities, usage details and reasoning effort through the OpenAI codec, both ways. */
class OpenAiFidelityTest {

    private static final String REPLY = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o",
             "choices":[
              {"index":0,"message":{"role":"assistant","content":"Yes"},"finish_reason":"stop",
               "logprobs":{"content":[{"token":"Yes","logprob":-0.1,"bytes":[89,101,115],
                 "top_logprobs":[{"token":"Yes","logprob":-0.1,"bytes":[89,101,115]},{"token":"No","logprob":-2.3,"bytes":[78,111]}]}],
                 "refusal":null}},
              {"index":1,"message":{"role":"assistant","content":"No"},"finish_reason":"length","logprobs":null}],
             "usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14,
               "prompt_tokens_details":{"cached_tokens":8,"audio_tokens":0},
               "completion_tokens_details":{"reasoning_tokens":3}}}
            """;

    @Test
    void everyChoiceWithItsLogprobsAndTheUsageDetailsAreRead() {
        ChatResponse response = OpenAiChatReplies.decodeChat(JsonCodec.parse(REPLY), "openrouter");
        assertThat(response.choices()).hasSize(2);
        assertThat(response.choices().get(1).message().text()).isEqualTo("No");
        assertThat(response.choices().get(1).finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(response.choices().get(0).logprobs()).hasSize(1);
        assertThat(response.choices().get(0).logprobs().get(0).top()).hasSize(2);
        assertThat(response.choices().get(1).logprobs()).isNull();
        assertThat(response.usage().cachedTokens()).isEqualTo(8);
        assertThat(response.usage().reasoningTokens()).isEqualTo(3);
    }

    @Test
    void aReplyReadAndWrittenAgainKeepsChoicesLogprobsAndUsageDetails() {
        ChatResponse response = OpenAiChatReplies.decodeChat(JsonCodec.parse(REPLY), "openrouter");
        Object written = JsonCodec.parse(
                JsonCodec.writeString(OpenAiChatReplies.encodeResponse("chatcmpl-x", 1, "m", response)));
        Object original = JsonCodec.parse(REPLY);
        assertThat(path(written, "choices")).isEqualTo(path(original, "choices"));
        assertThat(path(written, "usage", "prompt_tokens_details", "cached_tokens"))
                .isEqualTo(path(original, "usage", "prompt_tokens_details", "cached_tokens"));
        assertThat(path(written, "usage", "completion_tokens_details"))
                .isEqualTo(path(original, "usage", "completion_tokens_details"));
    }

    @Test
    void cachedTokensInMoonshotsAndDeepSeeksPlacesAreRead() {
        Usage kimi = OpenAiChatReplies.usage(view("{\"prompt_tokens\":5,\"completion_tokens\":1,\"cached_tokens\":4}"));
        Usage deepSeek = OpenAiChatReplies.usage(
                view("{\"prompt_tokens\":5,\"completion_tokens\":1,\"prompt_cache_hit_tokens\":3}"));
        Usage plain = OpenAiChatReplies.usage(view("{\"prompt_tokens\":5,\"completion_tokens\":1}"));
        assertThat(kimi.cachedTokens()).isEqualTo(4);
        assertThat(deepSeek.cachedTokens()).isEqualTo(3);
        assertThat(plain.cachedTokens()).isNull();
        assertThat(OpenAiChatReplies.encodeUsage(plain)).doesNotContainKeys("prompt_tokens_details");
    }

    @Test
    void choicesLogprobsAndReasoningEffortAreNormalisedAndGoBackOut() {
        ChatRequest request = OpenAiChatRequests.decodeRequest(view("""
                {"model":"m","messages":[{"role":"user","content":"Hi"}],"n":2,"logprobs":true,
                 "top_logprobs":3,"reasoning_effort":"low","user":"u1"}"""));
        assertThat(request.n()).isEqualTo(2);
        assertThat(request.logprobs()).isTrue();
        assertThat(request.topLogprobs()).isEqualTo(3);
        assertThat(request.reasoningEffort()).isEqualTo("low");
        assertThat(request.extra()).containsOnlyKeys("user");
        assertThat(OpenAiChatRequests.encodeChat(request, false))
                .containsEntry("n", 2)
                .containsEntry("logprobs", true)
                .containsEntry("top_logprobs", 3)
                .containsEntry("reasoning_effort", "low")
                .containsEntry("user", "u1");
    }

    private static JsonObjectView view(String json) {
        return JsonObjectView.of(JsonCodec.parse(json), "body", IllegalArgumentException::new);
    }

    private static Object path(Object tree, String... keys) {
        Object at = tree;
        for (String key : keys) {
            at = ((Map<?, ?>) at).get(key);
        }
        return at;
    }
}
