package dev.chatd.kit.ollama;

import dev.chatd.api.FinishReason;
import dev.chatd.api.TokenLogprob;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.openai.OpenAiLogprobs;
import java.util.List;
import java.util.Map;

/**
 * Ollama's streamed {@code /api/chat} lines for an Ollama client. Reading an upstream's lines is
 * {@link OllamaChatStream}'s job.
 *
 * @since 0.2
 */
public final class OllamaChatChunks {
    private OllamaChatChunks() {}

    /** One streamed line: {@code done: false} with a content (or thinking) delta. */
    public static Map<String, Object> encodeChunk(String model, String createdAt, String content, String thinking) {
        return encodeChunk(model, createdAt, content, thinking, null);
    }

    /**
     * One streamed line with the log probabilities of its tokens (null for none).
     *
     * @since 0.3
     */
    public static Map<String, Object> encodeChunk(
            String model, String createdAt, String content, String thinking, List<TokenLogprob> logprobs) {
        Map<String, Object> body = OllamaChatReplies.head(
                model, createdAt, OllamaChatReplies.replyMessage(content == null ? "" : content, thinking, List.of()));
        if (logprobs != null) {
            body.put("logprobs", OpenAiLogprobs.encodeEntries(logprobs));
        }
        body.put("done", false);
        return body;
    }

    /** The last streamed line: {@code done: true}, the reason and the counts, and the tool calls if any. */
    public static Map<String, Object> encodeFinal(
            String model,
            String createdAt,
            List<ToolCall> toolCalls,
            FinishReason reason,
            Usage usage,
            long totalDurationNanos) {
        Map<String, Object> body =
                OllamaChatReplies.head(model, createdAt, OllamaChatReplies.replyMessage("", null, toolCalls));
        OllamaChatReplies.putDone(body, reason, usage, totalDurationNanos);
        return body;
    }
}
