package dev.chatd.server.ingress;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.ollama.OllamaChatChunks;
import dev.chatd.kit.ollama.OllamaChatReplies;
import dev.chatd.kit.ollama.OllamaChatRequests;
import dev.chatd.kit.stream.ToolCallAssembler;
import java.time.Instant;
import java.util.Map;

/**
 * Ollama's chat API, {@code POST /api/chat}: NDJSON lines, streaming unless the request says
 * {@code "stream": false}, the last line {@code "done": true} with the finish reason, the eval
 * counts and the tool calls, whole. Its error envelope is {@code {"error":"<message>"}}.
 */
public final class OllamaChatCodec implements IngressCodec {

    @Override
    public String name() {
        return "ollama";
    }

    @Override
    public Framing framing() {
        return Framing.NDJSON;
    }

    @Override
    public IngressCall decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        ChatRequest request = OllamaChatRequests.decodeRequest(r);
        return new Call(request, OllamaChatRequests.streams(r));
    }

    @Override
    public Map<String, Object> errorBody(ApiError error, String requestId) {
        return envelope(error);
    }

    /** The envelope, also the last line of a stream that failed. */
    private static Map<String, Object> envelope(ApiError error) {
        return Map.of("error", error.message());
    }

    private record Call(ChatRequest request, boolean stream) implements IngressCall {
        @Override
        public Object reply(ChatResponse response, Exchange exchange) {
            return OllamaChatReplies.encodeResponse(
                    exchange.model(), Instant.now().toString(), response, exchange.elapsedNanos());
        }

        @Override
        public StreamEncoder streamEncoder(Exchange exchange) {
            String model = exchange.model();
            // Ollama clients expect whole tool calls; OpenAI-format upstreams stream them in pieces.
            ToolCallAssembler toolCalls = new ToolCallAssembler();
            return new StreamEncoder() {
                @Override
                public void chunk(EventSink out, ChatChunk chunk) {
                    toolCalls.add(chunk.toolCalls());
                    if (chunk.content() != null || chunk.reasoning() != null || chunk.logprobs() != null) {
                        out.data(OllamaChatChunks.encodeChunk(
                                model, Instant.now().toString(), chunk.content(), chunk.reasoning(), chunk.logprobs()));
                    }
                    if (chunk.isFinal()) {
                        out.data(OllamaChatChunks.encodeFinal(
                                model,
                                Instant.now().toString(),
                                toolCalls.calls(),
                                chunk.finishReason(),
                                chunk.usage() == null ? Usage.NONE : chunk.usage(),
                                exchange.elapsedNanos()));
                    }
                }

                @Override
                public void error(EventSink out, ApiError error) {
                    out.data(envelope(error));
                }
            };
        }
    }
}
