package dev.chatd.kit.anthropic;

import dev.chatd.api.ChatResponse;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatReplies;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole Anthropic Messages replies, both ways: reading a {@code message} from an
 * Anthropic-format upstream, and writing one for an Anthropic client.
 *
 * @since 0.3
 */
public final class AnthropicMessagesReplies {
    private AnthropicMessagesReplies() {}

    /**
     * Reads an upstream's {@code message}: text blocks as the content, thinking as the
     * reasoning, {@code tool_use} as tool calls; the blocks themselves stay with the message
     * ({@link Message.Verbatim}), so that an Anthropic client gets signatures and
     * {@code redacted_thinking} back. A 200 that carries {@code {"type":"error",…}} fails as a 502.
     */
    public static ChatResponse decodeReply(Object tree, String provider) {
        JsonObjectView reply = UpstreamErrors.successBody(tree, provider);
        List<Object> content = reply.array("content");
        if (content == null) {
            throw reply.fail(provider + "'s reply has no content");
        }
        List<Message> read = AnthropicMessagesRequests.decodeBlocks(Role.ASSISTANT, content, reply, "content");
        Message message = read.isEmpty()
                ? new Message(Role.ASSISTANT, List.of(), null, List.of(), null, null, Map.of())
                : read.get(0);
        FinishReason finish = finishReason(reply.string("stop_reason"));
        if (finish == null) {
            finish = message.toolCalls().isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS;
        }
        return new ChatResponse(
                reply.string("id"), reply.string("model"), message, finish, usage(reply.object("usage")));
    }

    /**
     * The normalised finish reason for a {@code stop_reason}: {@code end_turn},
     * {@code stop_sequence} and {@code pause_turn} (a server tool's pause, which the client
     * continues by sending the turn back) stop; {@code max_tokens} and
     * {@code model_context_window_exceeded} are the length; {@code tool_use} calls tools;
     * {@code refusal} is a content filter. Null when missing or unknown.
     */
    public static FinishReason finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "end_turn", "stop_sequence", "pause_turn" -> FinishReason.STOP;
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> null;
        };
    }

    /**
     * The {@code stop_reason} for a finish: {@code tool_use} whenever the answer calls tools,
     * whatever the upstream said (an agent waits for the tools it was told to run otherwise);
     * else {@code max_tokens} for the length, {@code refusal} for a content filter,
     * {@code end_turn} for the rest.
     */
    public static String stopReason(FinishReason finish, boolean hasToolCalls) {
        if (hasToolCalls || finish == FinishReason.TOOL_CALLS) {
            return "tool_use";
        }
        if (finish == null) {
            return "end_turn";
        }
        return switch (finish) {
            case LENGTH -> "max_tokens";
            case CONTENT_FILTER -> "refusal";
            case STOP, TOOL_CALLS, ERROR -> "end_turn";
        };
    }

    /**
     * Usage from Anthropic's {@code usage}. Anthropic's {@code input_tokens} leaves out what was
     * read from and written to the prompt cache; the normalised prompt tokens include both, as
     * OpenAI's do, and the cache reads are the cached tokens.
     */
    public static Usage usage(JsonObjectView usage) {
        if (usage == null) {
            return Usage.NONE;
        }
        int input = orZero(usage.integer("input_tokens"));
        Integer read = usage.integer("cache_read_input_tokens");
        int written = orZero(usage.integer("cache_creation_input_tokens"));
        int output = orZero(usage.integer("output_tokens"));
        int prompt = input + orZero(read) + written;
        Usage counted = Usage.of(prompt, output).withDetails(read, null);
        // Not Anthropic's: a gateway's charge for the call (OpenCode Zen's), a number or a string.
        BigDecimal cost = OpenAiChatReplies.cost(usage.raw("cost"));
        return cost == null ? counted : counted.withCost(cost);
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    /**
     * A {@code message} for an Anthropic client: thinking (with its signature where the
     * upstream gave one) first, then the text, then a {@code tool_use} block per call (a call
     * without an id gets a {@code toolu_} one); an answer read from an Anthropic-format upstream
     * keeps its blocks as they were. {@code stop_reason} is {@link #stopReason}'s.
     *
     * @param id the message id, {@code msg_…} ({@link AnthropicIds#message()})
     * @param model the model as the client asked for it
     */
    public static Map<String, Object> encodeReply(String id, String model, ChatResponse response) {
        Message message = response.message();
        List<Object> content = AnthropicMessagesRequests.verbatim(message);
        if (content == null) {
            content = blocks(message);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("type", "message");
        body.put("role", "assistant");
        body.put("model", model);
        body.put("content", content);
        body.put(
                "stop_reason",
                stopReason(response.finishReason(), !message.toolCalls().isEmpty()));
        body.put("stop_sequence", null);
        body.put("usage", encodeUsage(response.usage()));
        return body;
    }

    private static List<Object> blocks(Message message) {
        List<Object> blocks = new ArrayList<>();
        if (message.reasoning() != null && !message.reasoning().isEmpty()) {
            Map<String, Object> thinking = new LinkedHashMap<>();
            thinking.put("type", "thinking");
            thinking.put("thinking", message.reasoning());
            thinking.put("signature", "");
            blocks.add(thinking);
        }
        if (!message.text().isEmpty()) {
            Map<String, Object> text = new LinkedHashMap<>();
            text.put("type", "text");
            text.put("text", message.text());
            blocks.add(text);
        }
        for (ToolCall call : message.toolCalls()) {
            Map<String, Object> use = new LinkedHashMap<>();
            use.put("type", "tool_use");
            use.put("id", call.id() != null ? call.id() : AnthropicIds.toolUse());
            use.put("name", call.name());
            use.put("input", AnthropicMessagesRequests.input(call.arguments()));
            blocks.add(use);
        }
        return blocks;
    }

    /**
     * Anthropic's {@code usage}: {@code input_tokens} without the cache reads, as Anthropic
     * counts it, {@code output_tokens}, and {@code cache_read_input_tokens} where known.
     */
    public static Map<String, Object> encodeUsage(Usage usage) {
        Map<String, Object> u = new LinkedHashMap<>();
        int cached = usage.cachedTokens() == null ? 0 : usage.cachedTokens();
        u.put("input_tokens", Math.max(0, usage.promptTokens() - cached));
        u.put("output_tokens", usage.completionTokens());
        if (usage.cachedTokens() != null) {
            u.put("cache_read_input_tokens", usage.cachedTokens());
        }
        return u;
    }
}
