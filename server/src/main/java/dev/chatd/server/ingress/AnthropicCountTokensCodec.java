package dev.chatd.server.ingress;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.kit.anthropic.AnthropicMessagesRequests;
import dev.chatd.kit.json.JsonObjectView;
import java.util.Map;

/**
 * Anthropic's {@code POST /v1/messages/count_tokens}: {@code {"input_tokens":N}} for a
 * Messages request without {@code max_tokens}, answered by chatd's estimate
 * ({@link AnthropicMessagesRequests#estimateInputTokens}) without calling the upstream, none
 * of which counts tokens this way. The model is still routed, so an unknown one gets its 404.
 * Errors are Anthropic's envelope, as on {@code /v1/messages}.
 */
public final class AnthropicCountTokensCodec implements IngressCodec {

    @Override
    public String name() {
        return "anthropic-count-tokens";
    }

    @Override
    public Framing framing() {
        return Framing.SSE; // never streams
    }

    @Override
    public IngressCall decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        return new Count(AnthropicMessagesRequests.decodeCountRequest(r));
    }

    @Override
    public Map<String, Object> errorBody(ApiError error, String requestId) {
        return AnthropicMessagesCodec.envelope(error);
    }

    @Override
    public int status(ApiError error) {
        return AnthropicMessagesCodec.anthropicStatus(error);
    }

    private record Count(ChatRequest request) implements IngressCall {
        @Override
        public boolean stream() {
            return false;
        }

        @Override
        public Object replyWithoutUpstream(Exchange exchange) {
            return Map.of("input_tokens", AnthropicMessagesRequests.estimateInputTokens(request));
        }

        @Override
        public Object reply(ChatResponse response, Exchange exchange) {
            throw new IllegalStateException("count_tokens is answered without the upstream");
        }

        @Override
        public StreamEncoder streamEncoder(Exchange exchange) {
            throw new IllegalStateException("count_tokens is answered without the upstream");
        }
    }
}
