package dev.chatd.provider.opencode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.responses.ResponsesRequests;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.ProviderContract;
import dev.chatd.tck.UpstreamFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OpenCode Zen's GPT models: the provider TCK in OpenAI's Responses format at
 * {@code /responses}, the model list still on {@code /models}, and a Responses client's items
 * passed through.
 */
class OpenCodeGptTckTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new OpenCodeProviderFactory();
    }

    @Override
    protected String model() {
        return "gpt-5";
    }

    @Override
    protected UpstreamFormat format() {
        return UpstreamFormat.OPENAI_RESPONSES;
    }

    @Override
    protected String basePath() {
        return "/zen/v1";
    }

    @Test
    void gptModelsGoToResponsesClaudeToMessagesAndTheOthersToChatCompletions() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"from responses\"}", "stop", 3, 2)));
        upstream.on(
                "POST",
                "/zen/v1/messages",
                FakeUpstream.json(
                        200,
                        UpstreamFormat.ANTHROPIC_MESSAGES.reply(
                                "claude-haiku-4-5",
                                "{\"role\":\"assistant\",\"content\":\"from messages\"}",
                                "stop",
                                3,
                                2)));
        upstream.on(
                "POST",
                "/zen/v1/chat/completions",
                FakeUpstream.json(
                        200,
                        UpstreamFormat.OPENAI_CHAT.reply(
                                "glm-5", "{\"role\":\"assistant\",\"content\":\"from chat\"}", "stop", 3, 2)));
        ChatProvider provider = provider();

        ChatResponse codex = provider.chat(hello("gpt-5-codex"));
        ChatResponse gpt51 = provider.chat(hello("gpt-5.1"));
        ChatResponse claude = provider.chat(hello("claude-haiku-4-5"));
        ChatResponse glm = provider.chat(hello("glm-5"));

        assertThat(upstream.requests())
                .extracting(FakeUpstream.Recorded::path)
                .containsExactly(
                        "/zen/v1/responses", "/zen/v1/responses", "/zen/v1/messages", "/zen/v1/chat/completions");
        assertThat(upstream.requests().get(0).header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(upstream.requests().get(0).json().get("model")).isEqualTo("gpt-5-codex");
        assertThat(upstream.requests().get(1).json().get("model")).isEqualTo("gpt-5.1");
        assertThat(codex.message().text()).isEqualTo("from responses");
        assertThat(gpt51.message().text()).isEqualTo("from responses");
        assertThat(claude.message().text()).isEqualTo("from messages");
        assertThat(glm.message().text()).isEqualTo("from chat");
    }

    /**
     * What a Responses client sent reaches Zen item for item: a reasoning item with its
     * {@code encrypted_content}, item ids, a strict tool, and fields chatd does not model.
     */
    @Test
    void aResponsesClientsItemsArriveUnchanged() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"Done.\"}", "stop", 3, 2)));
        String clientBody = """
                {"model":"gpt-5-codex","instructions":"You are Codex.",
                 "input":[
                  {"type":"message","role":"developer","content":[{"type":"input_text","text":"Use the shell."}]},
                  {"type":"message","role":"user","content":[{"type":"input_text","text":"List the files."}]},
                  {"type":"reasoning","id":"rs_01","summary":[{"type":"summary_text","text":"Run ls."}],
                   "encrypted_content":"gAAAAABo-opaque"},
                  {"type":"function_call","id":"fc_01","call_id":"call_X","name":"shell",
                   "arguments":"{\\"command\\":[\\"ls\\"]}","status":"completed"},
                  {"type":"function_call_output","call_id":"call_X","output":"a.txt"}],
                 "tools":[{"type":"function","name":"shell","description":"Runs a command","strict":true,
                   "parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},
                     "required":["command"],"additionalProperties":false}}],
                 "tool_choice":"auto","parallel_tool_calls":false,
                 "reasoning":{"effort":"medium","summary":"auto"},
                 "include":["reasoning.encrypted_content"],
                 "prompt_cache_key":"session-1","store":false}
                """;
        ChatRequest request = ResponsesRequests.decodeRequest(
                JsonObjectView.of(JsonCodec.parse(clientBody), "request", IllegalArgumentException::new));

        provider().chat(request);

        Map<String, Object> sent = upstream.lastRequest().json();
        @SuppressWarnings("unchecked")
        Map<String, Object> client = (Map<String, Object>) json(clientBody);
        for (String field : List.of(
                "model",
                "instructions",
                "input",
                "tools",
                "tool_choice",
                "parallel_tool_calls",
                "reasoning",
                "include",
                "prompt_cache_key",
                "store")) {
            assertThat(sent.get(field)).as(field).isEqualTo(client.get(field));
        }
        assertThat(sent.get("stream")).isEqualTo(false);
    }

    @Test
    void zensUnknownModelOnResponsesIsModelNotFound() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(
                        401,
                        "{\"type\":\"error\",\"error\":{\"type\":\"ModelError\",\"message\":\"Model gpt-9 not supported\"}}"));

        Throwable thrown =
                org.assertj.core.api.Assertions.catchThrowable(() -> provider().chat(hello("gpt-9")));

        assertThat(thrown).isInstanceOf(dev.chatd.api.ChatException.ModelNotFound.class);
        assertThat(thrown.getMessage()).contains("Model gpt-9 not supported");
    }

    private static ChatRequest hello(String model) {
        return ChatRequest.builder()
                .model(model)
                .addMessage(Message.of(Role.USER, "Hi"))
                .build();
    }
}
