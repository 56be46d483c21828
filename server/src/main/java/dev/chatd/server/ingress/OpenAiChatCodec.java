package dev.chatd.server.ingress;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatChunks;
import dev.chatd.kit.openai.OpenAiChatReplies;
import dev.chatd.kit.openai.OpenAiChatRequests;
import dev.chatd.kit.openai.OpenAiToolCalls;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's chat completions API, {@code POST /v1/chat/completions}, in OpenAI's exact shapes so
 * the official SDKs work unchanged: a stream opens with the role chunk, carries deltas, ends
 * with a finish chunk, a usage chunk when {@code stream_options.include_usage} asks for it,
 * and {@code data: [DONE]}.
 */
public final class OpenAiChatCodec implements IngressCodec {

    @Override
    public String name() {
        return "openai-chat";
    }

    @Override
    public Framing framing() {
        return Framing.SSE;
    }

    @Override
    public IngressCall decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        ChatRequest request = OpenAiChatRequests.decodeRequest(r);
        boolean stream = Boolean.TRUE.equals(r.bool("stream"));
        JsonObjectView streamOptions = r.object("stream_options");
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        OpenAiToolCalls.Shape shape = OpenAiChatRequests.usesFunctions(r)
                ? OpenAiToolCalls.Shape.FUNCTION_CALL
                : OpenAiToolCalls.Shape.TOOL_CALLS;
        return new Call(request, stream, includeUsage, shape);
    }

    /**
     * OpenAI's envelope, {@code {"error":{"message","type","param","code"}}}: {@code type} is
     * OpenAI's category, {@code code} chatd's own type. The SDKs pick their error class from
     * the status.
     */
    @Override
    public Map<String, Object> errorBody(ApiError error, String requestId) {
        return envelope(error);
    }

    /** The envelope, also the {@code data:} of an error that ends a stream. */
    static Map<String, Object> envelope(ApiError error) {
        String category = switch (error.status()) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            case 404 -> "not_found_error";
            default -> error.status() >= 500 ? "api_error" : "invalid_request_error";
        };
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("message", error.message());
        detail.put("type", category);
        detail.put("param", null);
        detail.put("code", error.type());
        return Map.of("error", detail);
    }

    /** @param shape how the client asked for tools, and so how it gets their calls */
    private record Call(ChatRequest request, boolean stream, boolean includeUsage, OpenAiToolCalls.Shape shape)
            implements IngressCall {
        @Override
        public Object reply(ChatResponse response, Exchange exchange) {
            return OpenAiChatReplies.encodeResponse(id(exchange), created(exchange), exchange.model(), response, shape);
        }

        @Override
        public StreamEncoder streamEncoder(Exchange exchange) {
            String id = id(exchange);
            long created = created(exchange);
            String model = exchange.model();
            return new StreamEncoder() {
                /** The choices whose role chunk went out; OpenAI's SDKs want one for every choice. */
                private final Set<Integer> opened = new HashSet<>();

                @Override
                public void open(EventSink out) {
                    role(out, 0);
                }

                private void role(EventSink out, int index) {
                    // OpenAI opens every choice with the role, then sends deltas.
                    if (opened.add(index)) {
                        out.data(OpenAiChatChunks.encodeChunk(
                                id,
                                created,
                                model,
                                index,
                                new LinkedHashMap<>(Map.of("role", "assistant", "content", "")),
                                null,
                                null));
                    }
                }

                @Override
                public void chunk(EventSink out, ChatChunk chunk) {
                    role(out, chunk.index());
                    Map<String, Object> delta = OpenAiChatChunks.encodeDelta(chunk, shape);
                    if (!delta.isEmpty() || chunk.logprobs() != null) {
                        out.data(OpenAiChatChunks.encodeChunk(
                                id, created, model, chunk.index(), delta, chunk.logprobs(), null));
                    }
                    if (chunk.finishReason() != null) {
                        out.data(OpenAiChatChunks.encodeChunk(
                                id, created, model, chunk.index(), Map.of(), null, chunk.finishReason(), shape));
                    }
                    if (chunk.isFinal()) {
                        if (includeUsage) {
                            out.data(OpenAiChatChunks.encodeUsageChunk(
                                    id, created, model, chunk.usage() == null ? Usage.NONE : chunk.usage()));
                        }
                        out.rawData("[DONE]");
                    }
                }

                @Override
                public void error(EventSink out, ApiError error) {
                    out.data(envelope(error));
                }
            };
        }

        private static String id(Exchange exchange) {
            return "chatcmpl-" + exchange.requestId();
        }

        private static long created(Exchange exchange) {
            return exchange.received().getEpochSecond();
        }
    }
}
