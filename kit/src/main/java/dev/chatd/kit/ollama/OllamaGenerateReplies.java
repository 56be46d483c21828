package dev.chatd.kit.ollama;

import dev.chatd.api.ChatResponse;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ollama {@code /api/generate} replies for an Ollama client: the answer's text in
 * {@code response} rather than in a message, reasoning in {@code thinking}, and on the last
 * line (or the one object of a call that does not stream) {@code done: true}, the
 * {@code done_reason} and the counts, as on {@code /api/chat}. Ollama's {@code context} (token
 * ids) is left out, as Ollama itself leaves it out when it has none.
 *
 * @since 0.3
 */
public final class OllamaGenerateReplies {
    private OllamaGenerateReplies() {}

    /** One streamed line: {@code done: false} with a piece of the response (or of the thinking). */
    public static Map<String, Object> encodeChunk(String model, String createdAt, String response, String thinking) {
        Map<String, Object> body = head(model, createdAt, response == null ? "" : response, thinking);
        body.put("done", false);
        return body;
    }

    /** The last streamed line: an empty response, {@code done: true}, the reason, the counts and any tool calls. */
    public static Map<String, Object> encodeFinal(
            String model,
            String createdAt,
            List<ToolCall> toolCalls,
            FinishReason reason,
            Usage usage,
            long totalDurationNanos) {
        Map<String, Object> body = head(model, createdAt, "", null);
        done(body, toolCalls, reason, usage, totalDurationNanos);
        return body;
    }

    /** The one object of a call that does not stream: the whole response. */
    public static Map<String, Object> encodeResponse(
            String model, String createdAt, ChatResponse response, long totalDurationNanos) {
        Map<String, Object> body = head(
                model, createdAt, response.message().text(), response.message().reasoning());
        done(body, response.message().toolCalls(), response.finishReason(), response.usage(), totalDurationNanos);
        return body;
    }

    /**
     * Ollama's answer to a request without a prompt, which only loads (or unloads) the model:
     * an empty response, {@code done: true} and that {@code done_reason}.
     */
    public static Map<String, Object> encodeLoaded(String model, String createdAt, String doneReason) {
        Map<String, Object> body = head(model, createdAt, "", null);
        body.put("done", true);
        body.put("done_reason", doneReason);
        return body;
    }

    private static Map<String, Object> head(String model, String createdAt, String response, String thinking) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("created_at", createdAt);
        body.put("response", response);
        if (thinking != null) {
            body.put("thinking", thinking);
        }
        return body;
    }

    private static void done(
            Map<String, Object> body,
            List<ToolCall> toolCalls,
            FinishReason reason,
            Usage usage,
            long totalDurationNanos) {
        if (!toolCalls.isEmpty()) {
            body.put("tool_calls", OllamaToolCalls.encodeForClient(toolCalls));
        }
        OllamaChatReplies.putDone(body, reason, usage, totalDurationNanos);
    }
}
