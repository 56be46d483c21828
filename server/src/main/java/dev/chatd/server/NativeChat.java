package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Message;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.core.json.JsonObjectView;
import dev.chatd.core.wire.OpenAiWire;
import jakarta.json.bind.annotation.JsonbProperty;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * chatd's native {@code /chat} format. Requests use OpenAI's message shape; replies are one
 * flat object with the provider, the finish reason and the latency.
 */
public final class NativeChat {
    private NativeChat() {}

    public record Reply(String id, String model, String provider, ReplyMessage message,
            @JsonbProperty("finish_reason") String finishReason, ReplyUsage usage,
            @JsonbProperty("latency_ms") long latencyMs) {}

    public record ReplyMessage(String role, String content, String reasoning,
            @JsonbProperty("tool_calls") List<ReplyToolCall> toolCalls) {}

    public record ReplyToolCall(String id, String type, ReplyFunction function) {}

    public record ReplyFunction(String name, String arguments) {}

    public record ReplyUsage(@JsonbProperty("prompt_tokens") int promptTokens,
            @JsonbProperty("completion_tokens") int completionTokens,
            @JsonbProperty("total_tokens") int totalTokens, BigDecimal cost) {}

    /** A decoded request and whether the caller asked for a stream. */
    record Decoded(ChatRequest request, boolean stream) {}

    /** The request in a parsed body; anything malformed fails as a 400 naming the field. */
    static Decoded decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        boolean stream = Boolean.TRUE.equals(r.bool("stream"));
        return new Decoded(OpenAiWire.decodeRequest(r), stream);
    }

    /**
     * One stream event: {@code {"id","model","provider","delta":{…}}}, and on the last one
     * {@code finish_reason} and {@code usage}.
     */
    static Map<String, Object> chunkEvent(String id, String model, String provider, ChatChunk chunk) {
        Map<String, Object> delta = OpenAiWire.encodeDelta(chunk);
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
            event.put("usage", OpenAiWire.encodeUsage(chunk.usage() == null ? Usage.NONE : chunk.usage()));
        }
        return event;
    }

    /** The {@code event: error} payload: {@code {"error":{"type","message"}}}. */
    static Map<String, Object> errorEvent(ApiError error, String requestId) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("type", error.type());
        detail.put("message", error.message());
        detail.put("request_id", requestId);
        return Map.of("error", detail);
    }

    static Reply encode(String id, String model, String provider, ChatResponse response, long latencyMs) {
        Message m = response.message();
        List<ReplyToolCall> calls = null;
        if (!m.toolCalls().isEmpty()) {
            calls = new ArrayList<>(m.toolCalls().size());
            for (ToolCall call : m.toolCalls()) {
                calls.add(new ReplyToolCall(call.id(), "function", new ReplyFunction(call.name(), call.arguments())));
            }
        }
        Usage u = response.usage();
        return new Reply(id, model, provider, new ReplyMessage("assistant", m.text(), m.reasoning(), calls),
                response.finishReason().wire(), new ReplyUsage(u.promptTokens(), u.completionTokens(), u.totalTokens(), u.cost()),
                latencyMs);
    }
}
