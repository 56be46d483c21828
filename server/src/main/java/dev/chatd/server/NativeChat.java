package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Message;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatChunks;
import dev.chatd.kit.openai.OpenAiChatReplies;
import dev.chatd.kit.openai.OpenAiChatRequests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * chatd's native {@code /chat} format. Requests use OpenAI's message shape; replies are one
 * flat object with the provider, the finish reason and the latency.
 */
public final class NativeChat {
    private NativeChat() {}

    /** A decoded request and whether the caller asked for a stream. */
    record Decoded(ChatRequest request, boolean stream) {}

    /** The request in a parsed body; anything malformed fails as a 400 naming the field. */
    static Decoded decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        boolean stream = Boolean.TRUE.equals(r.bool("stream"));
        return new Decoded(OpenAiChatRequests.decodeRequest(r), stream);
    }

    /**
     * One stream event: {@code {"id","model","provider","delta":{…}}}, and on the last one
     * {@code finish_reason} and {@code usage}.
     */
    static Map<String, Object> chunkEvent(String id, String model, String provider, ChatChunk chunk) {
        Map<String, Object> delta = OpenAiChatChunks.encodeDelta(chunk);
        Object reasoning = delta.remove("reasoning_content");
        if (reasoning != null) {
            delta.put("reasoning", reasoning);
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", id);
        event.put("model", model);
        event.put("provider", provider);
        event.put("delta", delta);
        if (chunk.finishReason() != null) {
            event.put("finish_reason", chunk.finishReason().wire());
            event.put("usage", OpenAiChatReplies.encodeUsage(chunk.usage() == null ? Usage.NONE : chunk.usage()));
        }
        return event;
    }

    /** The {@code event: error} payload: {@code {"error":{"type","message","request_id"}}}. */
    static Map<String, Object> errorEvent(ApiError error, String requestId) {
        return error.body(requestId);
    }

    /**
     * The reply as a JSON tree, written by chatd's codec whatever the caller's {@code Accept}.
     * Fields sorted and nulls left out, as the JSON-B records that wrote it before did.
     */
    static Map<String, Object> encode(String id, String model, String provider, ChatResponse response, long latencyMs) {
        Message m = response.message();
        List<Object> calls = null;
        if (!m.toolCalls().isEmpty()) {
            calls = new ArrayList<>(m.toolCalls().size());
            for (ToolCall call : m.toolCalls()) {
                calls.add(sorted("id", call.id(), "type", "function",
                        "function", sorted("name", call.name(), "arguments", call.arguments())));
            }
        }
        Usage u = response.usage();
        return sorted("id", id, "model", model, "provider", provider,
                "message", sorted("role", "assistant", "content", m.text(), "reasoning", m.reasoning(), "tool_calls", calls),
                "finish_reason", response.finishReason().wire(),
                "usage", sorted("prompt_tokens", u.promptTokens(), "completion_tokens", u.completionTokens(),
                        "total_tokens", u.totalTokens(), "cost", u.cost()),
                "latency_ms", latencyMs);
    }

    /** An object of the non-null values among {@code name, value, …} pairs, in name order. */
    private static Map<String, Object> sorted(Object... pairs) {
        Map<String, Object> object = new TreeMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                object.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return object;
    }
}
