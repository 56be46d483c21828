package dev.chatd.server.ingress;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.responses.ResponsesEvents;
import dev.chatd.kit.responses.ResponsesIds;
import dev.chatd.kit.responses.ResponsesReplies;
import dev.chatd.kit.responses.ResponsesRequests;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's Responses API, {@code POST /v1/responses}, in OpenAI's exact shapes so that the
 * openai SDKs' {@code responses.create} / {@code responses.stream}, the Vercel AI SDK's
 * {@code @ai-sdk/openai} provider and Codex-style agents work unchanged through any provider: a
 * {@code response} with a {@code resp_…} id whose {@code model} is the one asked for; a stream
 * of named events ({@code event: <type>}, {@code data: {"type":<type>,…,"sequence_number":n}})
 * in OpenAI's order ({@link ResponsesEvents}); errors in OpenAI's envelope, as for chat
 * completions, so the SDKs raise their typed errors. A failure after the stream began ends it
 * with {@code response.failed} and an {@code error} event.
 *
 * <p>Stateless: a request that refers to a stored response or conversation is a 400
 * ({@link ResponsesRequests#decodeRequest}); the routes that read stored responses answer 404.
 */
public final class ResponsesCodec implements IngressCodec {

    @Override
    public String name() {
        return "openai-responses";
    }

    @Override
    public Framing framing() {
        return Framing.SSE;
    }

    @Override
    public IngressCall decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        ChatRequest request = ResponsesRequests.decodeRequest(r);
        return new Call(request, Boolean.TRUE.equals(r.bool("stream")));
    }

    /** OpenAI's envelope, the same as chat completions' ({@link OpenAiChatCodec#envelope}). */
    @Override
    public Map<String, Object> errorBody(ApiError error, String requestId) {
        return OpenAiChatCodec.envelope(error);
    }

    /** The {@code code} of a mid-stream failure, in OpenAI's words for the ones its clients retry on. */
    static String streamErrorCode(ApiError error) {
        return error.status() == 429 ? "rate_limit_exceeded" : "server_error";
    }

    private record Call(ChatRequest request, boolean stream) implements IngressCall {
        @Override
        public Object reply(ChatResponse response, Exchange exchange) {
            return ResponsesReplies.encodeReply(ResponsesIds.response(), created(exchange), exchange.model(), response);
        }

        @Override
        public StreamEncoder streamEncoder(Exchange exchange) {
            ResponsesEvents events = new ResponsesEvents(ResponsesIds.response(), created(exchange), exchange.model());
            return new StreamEncoder() {
                @Override
                public void open(EventSink out) {
                    write(out, events.start());
                }

                @Override
                public void chunk(EventSink out, ChatChunk chunk) {
                    write(out, events.accept(chunk));
                }

                @Override
                public void error(EventSink out, ApiError error) {
                    write(out, events.failed(streamErrorCode(error), error.message()));
                }
            };
        }

        private static long created(Exchange exchange) {
            return exchange.received().getEpochSecond();
        }

        private static void write(EventSink out, List<ResponsesEvents.Event> events) {
            for (ResponsesEvents.Event event : events) {
                out.event(event.name(), event.data());
            }
        }
    }
}
