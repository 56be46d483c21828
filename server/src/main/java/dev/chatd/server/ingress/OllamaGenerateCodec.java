package dev.chatd.server.ingress;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.ollama.OllamaGenerateReplies;
import dev.chatd.kit.ollama.OllamaGenerateRequests;
import dev.chatd.kit.stream.ToolCallAssembler;
import java.time.Instant;
import java.util.Map;

/**
 * Ollama's generate API, {@code POST /api/generate}, through any provider: the prompt (and
 * {@code system}, {@code images}) goes upstream as a chat, and the answer comes back as
 * Ollama's {@code response} pieces, NDJSON unless the request says {@code "stream": false}.
 * A request without a prompt only loads the model in Ollama, so it is answered at once
 * without calling the upstream. Errors are Ollama's {@code {"error":"<message>"}}, as on
 * {@code /api/chat}.
 */
public final class OllamaGenerateCodec implements IngressCodec {

    @Override
    public String name() {
        return "ollama-generate";
    }

    @Override
    public Framing framing() {
        return Framing.NDJSON;
    }

    @Override
    public IngressCall decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        boolean stream = OllamaGenerateRequests.streams(r);
        if (OllamaGenerateRequests.loadsOnly(r)) {
            ChatRequest load =
                    ChatRequest.builder().model(r.requiredString("model")).build();
            return new Load(load, stream, OllamaGenerateRequests.loadReason(r));
        }
        return new Call(OllamaGenerateRequests.decodeRequest(r), stream);
    }

    @Override
    public Map<String, Object> errorBody(ApiError error, String requestId) {
        return envelope(error);
    }

    /** The envelope, also the last line of a stream that failed. */
    private static Map<String, Object> envelope(ApiError error) {
        return Map.of("error", error.message());
    }

    /** A request without a prompt: Ollama's one-object answer, which ends the call before the upstream. */
    private record Load(ChatRequest request, boolean stream, String doneReason) implements IngressCall {
        @Override
        public Object replyWithoutUpstream(Exchange exchange) {
            return OllamaGenerateReplies.encodeLoaded(
                    exchange.model(), Instant.now().toString(), doneReason);
        }

        @Override
        public Object reply(ChatResponse response, Exchange exchange) {
            return replyWithoutUpstream(exchange);
        }

        @Override
        public StreamEncoder streamEncoder(Exchange exchange) {
            throw new IllegalStateException("a load-only generate request never reaches the upstream");
        }
    }

    private record Call(ChatRequest request, boolean stream) implements IngressCall {
        @Override
        public Object reply(ChatResponse response, Exchange exchange) {
            return OllamaGenerateReplies.encodeResponse(
                    exchange.model(), Instant.now().toString(), response, exchange.elapsedNanos());
        }

        @Override
        public StreamEncoder streamEncoder(Exchange exchange) {
            String model = exchange.model();
            ToolCallAssembler toolCalls = new ToolCallAssembler();
            return new StreamEncoder() {
                @Override
                public void chunk(EventSink out, ChatChunk chunk) {
                    toolCalls.add(chunk.toolCalls());
                    if (chunk.content() != null || chunk.reasoning() != null) {
                        out.data(OllamaGenerateReplies.encodeChunk(
                                model, Instant.now().toString(), chunk.content(), chunk.reasoning()));
                    }
                    if (chunk.isFinal()) {
                        out.data(OllamaGenerateReplies.encodeFinal(
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
