package dev.chatd.server.ingress;

import dev.chatd.kit.tool.ToolCallIds;

/**
 * One client API chatd serves (OpenAI chat completions, Ollama, native {@code /chat}, …) as a
 * codec: request in, reply out, chunks out, errors out, in one framing. The chat handler does
 * everything else (reads the body, routes, calls the provider, relays, logs) the same way for
 * every codec, so adding a client API is writing its codec and mounting it at its paths.
 *
 * <p>Authentication headers are not the codec's business: the auth filter reads them.
 */
public interface IngressCodec {
    /** A short name for the API, such as {@code openai-chat}. */
    String name();

    /** How this API frames a streamed reply. */
    Framing framing();

    /**
     * Decodes a parsed JSON body (maps, lists, strings, numbers, booleans, null).
     *
     * @throws dev.chatd.api.ChatException.InvalidRequest naming the field that is malformed
     */
    IngressCall decode(Object body);

    /**
     * The error envelope of this API, as a JSON tree, for a reply that has not started: every
     * error raised at a path this codec is mounted at, routing and transport errors included.
     */
    Object errorBody(ApiError error, String requestId);

    /**
     * The HTTP status this API answers {@code error} with: chatd's own, {@link ApiError#status()},
     * unless the API has a status of its own for it (Anthropic's 529 for an overloaded
     * upstream). The handler, the access log and {@link #errorBody} see the error with this
     * status; a stream's encoder asks for it too, for the type of its error event.
     */
    default int status(ApiError error) {
        return error.status();
    }

    /**
     * A fresh id for a tool call the upstream gave none, in this API's shape: OpenAI's
     * {@code call_…} by default ({@link ToolCallIds#generate()}), Anthropic's {@code toolu_…}.
     */
    default String newToolCallId() {
        return ToolCallIds.generate();
    }
}
