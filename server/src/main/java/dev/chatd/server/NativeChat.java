package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Message;
import dev.chatd.api.ToolCall;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.core.json.JsonObjectView;
import dev.chatd.core.wire.OpenAiWire;
import jakarta.json.bind.annotation.JsonbProperty;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * chatd's native {@code /chat} format. Requests use OpenAI's message shape; replies are one
 * flat object with the provider, the finish reason and the latency.
 */
public final class NativeChat {
    private static final Set<String> KNOWN = Set.of("model", "messages", "temperature", "top_p", "max_tokens",
            "max_completion_tokens", "stop", "seed", "tools", "tool_choice", "response_format", "stream");

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
        return new Decoded(request(r), stream);
    }

    private static ChatRequest request(JsonObjectView r) {
        Integer maxTokens = r.integer("max_tokens") != null ? r.integer("max_tokens") : r.integer("max_completion_tokens");
        return ChatRequest.builder()
                .model(r.requiredString("model"))
                .messages(OpenAiWire.decodeMessages(r, "messages"))
                .temperature(r.decimal("temperature"))
                .topP(r.decimal("top_p"))
                .maxTokens(maxTokens)
                .stop(stop(r))
                .seed(r.longInteger("seed"))
                .tools(OpenAiWire.decodeTools(r, "tools"))
                .toolChoice(r.raw("tool_choice"))
                .responseFormat(r.raw("response_format"))
                .extra(r.otherThan(KNOWN))
                .build();
    }

    private static List<String> stop(JsonObjectView r) {
        Object stop = r.raw("stop");
        if (stop == null) {
            return List.of();
        }
        if (stop instanceof String s) {
            return List.of(s);
        }
        List<Object> list = r.array("stop");
        if (list == null) {
            throw r.fail("stop must be a string or an array of strings");
        }
        List<String> stops = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof String s)) {
                throw r.fail("stop must be a string or an array of strings");
            }
            stops.add(s);
        }
        return stops;
    }

    /**
     * One stream event: {@code {"id","model","provider","delta":{…}}}, and on the last one
     * {@code finish_reason} and {@code usage}.
     */
    static Map<String, Object> chunkEvent(String id, String model, String provider, ChatChunk chunk) {
        Map<String, Object> delta = new LinkedHashMap<>();
        if (chunk.content() != null) {
            delta.put("content", chunk.content());
        }
        if (chunk.reasoning() != null) {
            delta.put("reasoning", chunk.reasoning());
        }
        if (!chunk.toolCalls().isEmpty()) {
            List<Object> calls = new ArrayList<>(chunk.toolCalls().size());
            for (ToolCallDelta call : chunk.toolCalls()) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("index", call.index());
                if (call.id() != null) {
                    c.put("id", call.id());
                    c.put("type", "function");
                }
                Map<String, Object> function = new LinkedHashMap<>();
                if (call.name() != null) {
                    function.put("name", call.name());
                }
                if (call.argumentsFragment() != null) {
                    function.put("arguments", call.argumentsFragment());
                }
                c.put("function", function);
                calls.add(c);
            }
            delta.put("tool_calls", calls);
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", id);
        event.put("model", model);
        event.put("provider", provider);
        event.put("delta", delta);
        if (chunk.finishReason() != null) {
            event.put("finish_reason", chunk.finishReason().wire());
            Usage u = chunk.usage() == null ? Usage.NONE : chunk.usage();
            Map<String, Object> usage = new LinkedHashMap<>();
            usage.put("prompt_tokens", u.promptTokens());
            usage.put("completion_tokens", u.completionTokens());
            usage.put("total_tokens", u.totalTokens());
            if (u.cost() != null) {
                usage.put("cost", u.cost());
            }
            event.put("usage", usage);
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
