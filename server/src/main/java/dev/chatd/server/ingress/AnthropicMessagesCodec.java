package dev.chatd.server.ingress;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.kit.anthropic.AnthropicErrors;
import dev.chatd.kit.anthropic.AnthropicIds;
import dev.chatd.kit.anthropic.AnthropicMessagesEvents;
import dev.chatd.kit.anthropic.AnthropicMessagesReplies;
import dev.chatd.kit.anthropic.AnthropicMessagesRequests;
import dev.chatd.kit.json.JsonObjectView;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Anthropic's Messages API, {@code POST /v1/messages}, in Anthropic's exact shapes so that
 * Claude Code and the Anthropic SDKs work unchanged through any provider: a {@code message}
 * whose {@code model} is the one asked for and whose {@code stop_reason} is {@code tool_use}
 * whenever it calls tools; a stream of named events in Anthropic's order
 * ({@link AnthropicMessagesEvents}), kept alive with {@code ping} events; errors in
 * Anthropic's envelope, {@code {"type":"error","error":{"type","message"}}}, typed by status
 * so the SDKs raise their typed errors, also as the {@code event: error} that ends a failed
 * stream.
 *
 * <p>An overloaded upstream is answered 529 {@code overloaded_error}, as Anthropic answers
 * (its SDKs retry it): an upstream that answered HTTP 529, an Anthropic-format upstream that
 * said {@code overloaded_error}, an upstream that answered 503 saying it is overloaded, and
 * chatd itself at its limit of concurrent requests. Other 503s (a provider switched off) stay
 * 503, {@code api_error}.
 */
public final class AnthropicMessagesCodec implements IngressCodec {
    /** Anthropic's keep-alive: a {@code ping} event, which its SDKs read and skip. */
    static final String PING = "event: ping\ndata: {\"type\":\"ping\"}\n\n";

    @Override
    public String name() {
        return "anthropic-messages";
    }

    @Override
    public Framing framing() {
        return Framing.SSE;
    }

    @Override
    public IngressCall decode(Object body) {
        JsonObjectView r = JsonObjectView.of(body, "the request body", ChatException.InvalidRequest::new);
        ChatRequest request = AnthropicMessagesRequests.decodeRequest(r);
        return new Call(request, Boolean.TRUE.equals(r.bool("stream")));
    }

    @Override
    public Map<String, Object> errorBody(ApiError error, String requestId) {
        return envelope(error);
    }

    @Override
    public int status(ApiError error) {
        return anthropicStatus(error);
    }

    /** Anthropic's shape, {@code toolu_…}, for a tool call the upstream gave no id. */
    @Override
    public String newToolCallId() {
        return AnthropicIds.toolUse();
    }

    /** The status Anthropic would answer {@code error} with: 529 when the upstream (or chatd) is overloaded. */
    static int anthropicStatus(ApiError error) {
        return overloaded(error) ? 529 : error.status();
    }

    private static boolean overloaded(ApiError error) {
        return switch (error.type()) {
            case "upstream_overloaded" -> true; // an Anthropic-format upstream's overloaded_error or 529
            case "overloaded" -> error.status() == 503; // chatd at its limit of requests (TransportErrors)
            // Other formats have no type for it: chatd's own wording for the upstream's status
            // (UpstreamErrors.classify).
            case "upstream_error" -> {
                String message = error.message() == null ? "" : error.message();
                yield message.contains("failed with HTTP 529")
                        || (message.contains("failed with HTTP 503")
                                && message.toLowerCase(Locale.ROOT).contains("overload"));
            }
            default -> false;
        };
    }

    /** Anthropic's envelope, typed by the status; also the data of an {@code event: error}. */
    static Map<String, Object> envelope(ApiError error) {
        return AnthropicErrors.envelope(AnthropicErrors.errorType(anthropicStatus(error)), error.message());
    }

    private record Call(ChatRequest request, boolean stream) implements IngressCall {
        @Override
        public Object reply(ChatResponse response, Exchange exchange) {
            return AnthropicMessagesReplies.encodeReply(AnthropicIds.message(), exchange.model(), response);
        }

        @Override
        public StreamEncoder streamEncoder(Exchange exchange) {
            AnthropicMessagesEvents events = new AnthropicMessagesEvents(
                    AnthropicIds.message(), exchange.model(), AnthropicMessagesRequests.estimateInputTokens(request));
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
                    AnthropicMessagesEvents.Event event =
                            events.error(AnthropicErrors.errorType(anthropicStatus(error)), error.message());
                    out.event(event.name(), event.data());
                }

                @Override
                public String keepAlive() {
                    return PING;
                }
            };
        }

        private static void write(EventSink out, List<AnthropicMessagesEvents.Event> events) {
            for (AnthropicMessagesEvents.Event event : events) {
                out.event(event.name(), event.data());
            }
        }
    }
}
