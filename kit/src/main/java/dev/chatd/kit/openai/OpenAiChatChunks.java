package dev.chatd.kit.openai;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.FinishReason;
import dev.chatd.api.TokenLogprob;
import dev.chatd.api.Usage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI {@code chat.completion.chunk}s for an OpenAI client: chatd's streamed replies on its
 * OpenAI-compatible endpoint. Reading an upstream's chunks is {@link OpenAiChatStream}'s job.
 *
 * @since 0.2
 */
public final class OpenAiChatChunks {
    private OpenAiChatChunks() {}

    /**
     * A {@code chat.completion.chunk} with one choice whose delta is built from {@code chunk}'s
     * content, reasoning and tool calls; {@code finishReason} may be null.
     */
    public static Map<String, Object> encodeChunk(
            String id, long created, String model, Map<String, Object> delta, FinishReason finishReason) {
        return encodeChunk(id, created, model, 0, delta, null, finishReason);
    }

    /**
     * A {@code chat.completion.chunk} for the choice at {@code index}, with the log probabilities
     * of its tokens (null for none).
     *
     * @since 0.3
     */
    public static Map<String, Object> encodeChunk(
            String id,
            long created,
            String model,
            int index,
            Map<String, Object> delta,
            List<TokenLogprob> logprobs,
            FinishReason finishReason) {
        return encodeChunk(id, created, model, index, delta, logprobs, finishReason, OpenAiToolCalls.Shape.TOOL_CALLS);
    }

    /**
     * A {@code chat.completion.chunk} as above, its finish reason written for tool calls in
     * {@code shape}.
     *
     * @since 0.3
     */
    public static Map<String, Object> encodeChunk(
            String id,
            long created,
            String model,
            int index,
            Map<String, Object> delta,
            List<TokenLogprob> logprobs,
            FinishReason finishReason,
            OpenAiToolCalls.Shape shape) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", index);
        choice.put("delta", delta);
        choice.put("logprobs", OpenAiLogprobs.encodeChoice(logprobs));
        choice.put("finish_reason", finishReason == null ? null : shape.finishReason(finishReason));
        Map<String, Object> body = chunkHead(id, created, model);
        body.put("choices", List.of(choice));
        return body;
    }

    /** The usage chunk that {@code stream_options.include_usage} asks for: no choices, just usage. */
    public static Map<String, Object> encodeUsageChunk(String id, long created, String model, Usage usage) {
        Map<String, Object> body = chunkHead(id, created, model);
        body.put("choices", List.of());
        body.put("usage", OpenAiChatReplies.encodeUsage(usage));
        return body;
    }

    private static Map<String, Object> chunkHead(String id, long created, String model) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", "chat.completion.chunk");
        body.put("created", created);
        body.put("model", model);
        return body;
    }

    /** A delta in OpenAI's shape: {@code content}, {@code reasoning_content}, {@code tool_calls}. */
    public static Map<String, Object> encodeDelta(ChatChunk chunk) {
        return encodeDelta(chunk, OpenAiToolCalls.Shape.TOOL_CALLS);
    }

    /** A delta as above, its tool calls in {@code shape}. */
    public static Map<String, Object> encodeDelta(ChatChunk chunk, OpenAiToolCalls.Shape shape) {
        Map<String, Object> delta = new LinkedHashMap<>();
        if (chunk.content() != null) {
            delta.put("content", chunk.content());
        }
        if (chunk.reasoning() != null) {
            delta.put("reasoning_content", chunk.reasoning());
        }
        if (chunk.toolCalls().isEmpty()) {
            return delta;
        }
        if (shape == OpenAiToolCalls.Shape.FUNCTION_CALL) {
            Map<String, Object> functionCall = OpenAiToolCalls.encodeFunctionCallDelta(chunk.toolCalls());
            if (functionCall != null) {
                delta.put("function_call", functionCall);
            }
        } else {
            delta.put("tool_calls", OpenAiToolCalls.encodeDeltas(chunk.toolCalls()));
        }
        return delta;
    }
}
