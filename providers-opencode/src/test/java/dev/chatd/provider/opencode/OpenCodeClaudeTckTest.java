package dev.chatd.provider.opencode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.kit.anthropic.AnthropicMessagesRequests;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.ProviderContract;
import dev.chatd.tck.UpstreamFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OpenCode Zen's Claude models: the provider TCK in Anthropic's format at {@code /messages}, the
 * model list still on OpenAI's {@code /models}, and an Anthropic client's blocks passed through.
 */
class OpenCodeClaudeTckTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new OpenCodeProviderFactory();
    }

    @Override
    protected String model() {
        return "claude-sonnet-4-5";
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
        return "/zen/v1";
    }

    @Test
    void claudeModelsGoToMessagesAndTheOthersToChatCompletions() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"from messages\"}", "stop", 3, 2)));
        upstream.on(
                "POST",
                "/zen/v1/chat/completions",
                FakeUpstream.json(
                        200,
                        UpstreamFormat.OPENAI_CHAT.reply(
                                "glm-5", "{\"role\":\"assistant\",\"content\":\"from chat\"}", "stop", 3, 2)));
        ChatProvider provider = provider();

        ChatResponse claude = provider.chat(hello("claude-haiku-4-5"));
        ChatResponse glm = provider.chat(hello("glm-5"));

        assertThat(upstream.requests())
                .extracting(FakeUpstream.Recorded::path)
                .containsExactly("/zen/v1/messages", "/zen/v1/chat/completions");
        assertThat(upstream.requests().get(0).header("x-api-key")).isEqualTo(KEY);
        assertThat(upstream.requests().get(1).header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(upstream.requests().get(1).header("x-api-key")).isNull();
        assertThat(claude.message().text()).isEqualTo("from messages");
        assertThat(glm.message().text()).isEqualTo("from chat");
    }

    /**
     * What an Anthropic client sent reaches Zen block for block: the cached system prompt, a
     * thinking block with its signature, redacted thinking, and a cached tool result. (A message
     * whose content is a plain string goes as one text block, which says the same.)
     */
    @Test
    void anAnthropicClientsBlocksArriveUnchanged() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"Done.\"}", "stop", 3, 2)));
        String clientBody = """
                {"model":"claude-sonnet-4-5","max_tokens":2048,
                 "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
                 "messages":[
                  {"role":"user","content":[{"type":"text","text":"List the files."}]},
                  {"role":"assistant","content":[
                    {"type":"thinking","thinking":"I should run ls.","signature":"EqQBCgIYAhIM"},
                    {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"},
                    {"type":"tool_use","id":"toolu_01X","name":"Bash","input":{"command":"ls"}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"toolu_01X","content":"a.txt","cache_control":{"type":"ephemeral"}},
                    {"type":"text","text":"Now summarise."}]}],
                 "tools":[{"name":"Bash","description":"Runs a command",
                   "input_schema":{"type":"object","properties":{"command":{"type":"string"}}},
                   "cache_control":{"type":"ephemeral"}}],
                 "thinking":{"type":"enabled","budget_tokens":1024},
                 "metadata":{"user_id":"user_abc"}}
                """;
        ChatRequest request = AnthropicMessagesRequests.decodeRequest(
                JsonObjectView.of(JsonCodec.parse(clientBody), "request", IllegalArgumentException::new));

        provider().chat(request);

        Map<String, Object> sent = upstream.lastRequest().json();
        @SuppressWarnings("unchecked")
        Map<String, Object> client = (Map<String, Object>) json(clientBody);
        for (String field : List.of("model", "max_tokens", "system", "messages", "tools", "thinking", "metadata")) {
            assertThat(sent.get(field)).as(field).isEqualTo(client.get(field));
        }
        assertThat(sent.get("stream")).isEqualTo(false);
    }

    @Test
    void zensCostOnAWholeAnthropicReplyLandsInTheUsage() {
        upstream.on("POST", chatPath(), FakeUpstream.json(200, """
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":12,"output_tokens":3},"cost":"0.00042"}
                """));

        ChatResponse response = provider().chat(hello(model()));

        assertThat(response.message().text()).isEqualTo("Hello!");
        assertThat(response.usage().promptTokens()).isEqualTo(12);
        assertCost(response.usage(), "0.00042");
    }

    /** Zen sends the cost as one more {@code ping} after the upstream's {@code message_stop}. */
    @Test
    void zensCostPingAfterMessageStopLandsInTheLastChunksUsage() {
        upstream.on(
                "POST",
                chatPath(),
                format().stream(replyModel(), "Hel", "lo")
                        .write(UpstreamFormat.anthropicEvent("ping", "{\"type\":\"ping\",\"cost\":\"0.00042\"}")));

        List<ChatChunk> chunks = streamAll(hello(model()));

        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(last.usage().completionTokens()).isEqualTo(3);
        assertCost(last.usage(), "0.00042");
    }

    private static ChatRequest hello(String model) {
        return ChatRequest.builder()
                .model(model)
                .addMessage(Message.of(Role.USER, "Hi"))
                .build();
    }
}
