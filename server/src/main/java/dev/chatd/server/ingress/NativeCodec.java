package dev.chatd.server.ingress;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Message;
import dev.chatd.api.TokenLogprob;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatChunks;
import dev.chatd.kit.openai.OpenAiChatReplies;
import dev.chatd.kit.openai.OpenAiChatRequests;
import dev.chatd.kit.openai.OpenAiLogprobs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * chatd's native {@code /chat} API. Requests use OpenAI's message shape, and every field it does
 * not model goes to the upstream as it is, whatever the upstream's format; replies are one flat
 * object with the provider, the finish reason and the latency; streams are server-sent events
 * whose failure is an {@code event: error}. Its error envelope is chatd's own, and the one for
 * every path no other codec claims.
 */
public final class NativeCodec implements IngressCodec {

    @Override
    public String name() {
        return "native";
    }

    @Override
    public Framing framing() {
        return Framing.SSE;
    }

    @Override
    public IngressCall decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        boolean stream = Boolean.TRUE.equals(r.bool("stream"));
        // chatd's own API passes the fields it does not model to whichever upstream the model
        // routes to, so a caller can use any provider's own (Ollama's keep_alive, OpenRouter's
        // provider): its extras are tied to no format.
        ChatRequest request = OpenAiChatRequests.decodeRequest(r).withExtrasForEveryFormat();
        if (request.n() != null && request.n() > 1) {
            throw new ChatException.InvalidRequest("n is " + request.n()
                    + ", but chatd's native /chat answers with one choice: for several, use /v1/chat/completions");
        }
        return new Call(request, stream);
    }

    /** chatd's own envelope: {@code {"error":{"type":…,"message":…,"request_id":…}}}. */
    @Override
    public Map<String, Object> errorBody(ApiError error, String requestId) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("type", error.type());
        detail.put("message", error.message());
        detail.put("request_id", requestId);
        return Map.of("error", detail);
    }

    private final class Call implements IngressCall {
        private final ChatRequest request;
        private final boolean stream;

        Call(ChatRequest request, boolean stream) {
            this.request = request;
            this.stream = stream;
        }

        @Override
        public ChatRequest request() {
            return request;
        }

        @Override
        public boolean stream() {
            return stream;
        }

        @Override
        public Object reply(ChatResponse response, Exchange exchange) {
            String id = response.id() != null ? response.id() : "chatd-" + exchange.requestId();
            return encode(id, exchange.model(), exchange.provider(), response, exchange.elapsedNanos() / 1_000_000);
        }

        @Override
        public StreamEncoder streamEncoder(Exchange exchange) {
            String id = "chatd-" + exchange.requestId();
            return new StreamEncoder() {
                @Override
                public void chunk(EventSink out, ChatChunk chunk) {
                    out.data(chunkEvent(id, exchange.model(), exchange.provider(), chunk));
                }

                @Override
                public void error(EventSink out, ApiError error) {
                    out.event("error", errorBody(error, exchange.requestId()));
                }
            };
        }
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
        if (chunk.logprobs() != null) {
            event.put("logprobs", OpenAiLogprobs.encodeEntries(chunk.logprobs()));
        }
        if (chunk.finishReason() != null) {
            event.put("finish_reason", chunk.finishReason().wire());
            event.put("usage", OpenAiChatReplies.encodeUsage(chunk.usage() == null ? Usage.NONE : chunk.usage()));
        }
        return event;
    }

    /**
     * The reply as a JSON tree. Fields sorted and nulls left out, as the JSON-B records that
     * wrote it before did.
     */
    static Map<String, Object> encode(String id, String model, String provider, ChatResponse response, long latencyMs) {
        Message m = response.message();
        List<Object> calls = null;
        if (!m.toolCalls().isEmpty()) {
            calls = new ArrayList<>(m.toolCalls().size());
            for (ToolCall call : m.toolCalls()) {
                calls.add(sorted(
                        "id",
                        call.id(),
                        "type",
                        "function",
                        "function",
                        sorted("name", call.name(), "arguments", call.arguments())));
            }
        }
        List<TokenLogprob> logprobs = response.choices().get(0).logprobs();
        return sorted(
                "id",
                id,
                "model",
                model,
                "provider",
                provider,
                "message",
                sorted("role", "assistant", "content", m.text(), "reasoning", m.reasoning(), "tool_calls", calls),
                "finish_reason",
                response.finishReason().wire(),
                "logprobs",
                logprobs == null ? null : OpenAiLogprobs.encodeEntries(logprobs),
                "usage",
                new TreeMap<>(OpenAiChatReplies.encodeUsage(response.usage())),
                "latency_ms",
                latencyMs);
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
