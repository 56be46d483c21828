package dev.chatd.kit.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.TokenLogprob;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reasoning effort, log probabilities and choice counts between the normalised model and Ollama's wire format. */
class OllamaFidelityTest {

    private static ChatRequest.Builder request(String model) {
        return ChatRequest.builder().model(model).addMessage(Message.of(Role.USER, "Hi"));
    }

    private static JsonObjectView json(String text) {
        return JsonObjectView.of(JsonCodec.parse(text), "body", IllegalArgumentException::new);
    }

    @Test
    void reasoningEffortBecomesThinkOnOrOffForModelsWithoutLevels() {
        assertThat(OllamaChatRequests.encodeChat(
                        request("qwen3:8b").reasoningEffort("high").build(), false))
                .containsEntry("think", true)
                .doesNotContainKey("reasoning_effort");
        assertThat(OllamaChatRequests.encodeChat(
                        request("qwen3:8b").reasoningEffort("none").build(), false))
                .containsEntry("think", false);
        assertThat(OllamaChatRequests.encodeChat(request("qwen3:8b").build(), false))
                .doesNotContainKey("think");
    }

    @Test
    void reasoningEffortIsTheLevelForGptOss() {
        assertThat(OllamaChatRequests.encodeChat(
                        request("gpt-oss:20b").reasoningEffort("low").build(), false))
                .containsEntry("think", "low");
        assertThat(OllamaChatRequests.encodeChat(
                        request("gpt-oss:120b").reasoningEffort("minimal").build(), false))
                .containsEntry("think", "low");
        assertThat(OllamaChatRequests.encodeChat(
                        request("gpt-oss:120b").reasoningEffort("xhigh").build(), false))
                .containsEntry("think", "high");
        assertThat(OllamaChatRequests.encodeChat(
                        request("gpt-oss:120b").reasoningEffort("none").build(), false))
                .containsEntry("think", false);
    }

    @Test
    void anOllamaClientsThinkIsAReasoningEffortThatGoesBackUnchanged() {
        String base = "{\"model\":\"qwen3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],";
        ChatRequest on = OllamaChatRequests.decodeRequest(json(base + "\"think\":true}"));
        ChatRequest off = OllamaChatRequests.decodeRequest(json(base + "\"think\":false}"));
        ChatRequest level = OllamaChatRequests.decodeRequest(json(base + "\"think\":\"high\"}"));
        assertThat(on.reasoningEffort()).isEqualTo("medium");
        assertThat(off.reasoningEffort()).isEqualTo("none");
        assertThat(level.reasoningEffort()).isEqualTo("high");
        assertThat(on.extra()).doesNotContainKey("think");
        assertThat(OllamaChatRequests.encodeChat(on, true)).containsEntry("think", true);
        assertThat(OllamaChatRequests.encodeChat(off, true)).containsEntry("think", false);
        assertThat(OllamaChatRequests.encodeChat(level.withModel("gpt-oss:20b"), true))
                .containsEntry("think", "high");
    }

    @Test
    void aThinkThatIsNeitherABooleanNorALevelIsRefusedNamingTheField() {
        assertThatThrownBy(() -> OllamaChatRequests.decodeRequest(
                        json("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"think\":3}")))
                .hasMessageContaining("think must be true, false, or a level");
    }

    @Test
    void severalChoicesAreRefusedSayingWhy() {
        assertThatThrownBy(() -> OllamaChatRequests.encodeChat(request("m").n(2).build(), false))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("n is 2")
                .hasMessageContaining("one choice per request");
        assertThat(OllamaChatRequests.encodeChat(request("m").n(1).build(), false))
                .doesNotContainKey("n");
    }

    @Test
    void logprobsAreAskedForInOllamasOwnFields() {
        Map<String, Object> body = OllamaChatRequests.encodeChat(
                request("m").logprobs(true).topLogprobs(2).build(), false);
        assertThat(body).containsEntry("logprobs", true).containsEntry("top_logprobs", 2);
    }

    @Test
    void logprobsOfAReplyAreRead() {
        ChatResponse response = OllamaChatReplies.decodeChat(
                JsonCodec.parse("{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                        + "\"done\":true,\"done_reason\":\"stop\",\"logprobs\":[{\"token\":\"Hi\",\"logprob\":-0.25,"
                        + "\"bytes\":[72,105],\"top_logprobs\":[{\"token\":\"Hi\",\"logprob\":-0.25},"
                        + "{\"token\":\"Hello\",\"logprob\":-1.5}]}]}"),
                "ollama");
        List<TokenLogprob> logprobs = response.choices().get(0).logprobs();
        assertThat(logprobs).hasSize(1);
        assertThat(logprobs.get(0).token()).isEqualTo("Hi");
        assertThat(logprobs.get(0).logprob()).isEqualTo(-0.25);
        assertThat(logprobs.get(0).bytes()).containsExactly(72, 105);
        assertThat(logprobs.get(0).top()).extracting(TokenLogprob::token).containsExactly("Hi", "Hello");
    }
}
