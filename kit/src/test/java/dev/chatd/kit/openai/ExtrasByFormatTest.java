package dev.chatd.kit.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.ollama.OllamaChatRequests;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Extras carry the name of the format they were written in; each upstream codec forwards only what it can take. */
class ExtrasByFormatTest {

    private static ChatRequest withExtras(String format) {
        return ChatRequest.builder()
                .model("m")
                .addMessage(Message.of(Role.USER, "Hi"))
                .extra(Map.of("logit_bias", Map.of("50256", -100)), format)
                .build();
    }

    @Test
    void openAiUpstreamsGetExtrasWrittenInTheirFormatOrInNone() {
        assertThat(OpenAiChatRequests.encodeChat(withExtras(OpenAiChatRequests.FORMAT), false))
                .containsKey("logit_bias");
        assertThat(OpenAiChatRequests.encodeChat(withExtras(null), false)).containsKey("logit_bias");
    }

    @Test
    void openAiUpstreamsNeverGetExtrasOfAnotherFormatThirdPartiesIncluded() {
        assertThat(OpenAiChatRequests.encodeChat(withExtras(OllamaChatRequests.FORMAT), false))
                .doesNotContainKey("logit_bias");
        assertThat(OpenAiChatRequests.encodeChat(withExtras("anthropic-messages"), false))
                .doesNotContainKey("logit_bias");
    }

    @Test
    void ollamaUpstreamsGetExtrasWrittenInTheirFormatOrInNone() {
        assertThat(OllamaChatRequests.encodeChat(withExtras(OllamaChatRequests.FORMAT), false))
                .containsKey("logit_bias");
        assertThat(OllamaChatRequests.encodeChat(withExtras(null), false)).containsKey("logit_bias");
    }

    @Test
    void ollamaUpstreamsNeverGetExtrasOfAnotherFormat() {
        // Issue 11: an OpenAI client's fields used to reach Ollama as unknown top-level keys.
        ChatRequest openAi = ChatRequest.builder()
                .model("m")
                .addMessage(Message.of(Role.USER, "Hi"))
                .extra(
                        Map.of("logit_bias", Map.of("50256", -100), "user", "u1", "options", Map.of("x", 1)),
                        "openai-chat")
                .build();
        assertThat(OllamaChatRequests.encodeChat(openAi, false)).doesNotContainKeys("logit_bias", "user", "options");
    }

    @Test
    void decodedRequestsNameTheirFormat() {
        Object body =
                JsonCodec.parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"x\":1}");
        JsonObjectView view = JsonObjectView.of(body, "request body", IllegalArgumentException::new);
        assertThat(OpenAiChatRequests.decodeRequest(view).extraFormat()).isEqualTo("openai-chat");
        assertThat(OllamaChatRequests.decodeRequest(view).extraFormat()).isEqualTo("ollama");
    }
}
