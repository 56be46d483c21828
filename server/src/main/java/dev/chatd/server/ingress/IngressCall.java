package dev.chatd.server.ingress;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;

/**
 * One decoded request of a client API: the normalised request, whether the client asked for a
 * stream, and how to encode its reply. It keeps whatever the reply needs from the request (the
 * stream options of OpenAI, the fields the Responses API echoes).
 */
public interface IngressCall {
    /** The request in chatd's normalised model, with the model as the client named it. */
    ChatRequest request();

    /** Whether the client asked for a streamed reply. */
    boolean stream();

    /** The whole reply as a JSON tree, for a call that does not stream. */
    Object reply(ChatResponse response, Exchange exchange);

    /**
     * The whole reply when the API answers this call without asking the upstream (Ollama's
     * {@code /api/generate} without a prompt only loads the model), as a JSON tree; null, the
     * default, to call the upstream. The model is routed first either way, so an unknown one
     * still gets its 404.
     */
    default Object replyWithoutUpstream(Exchange exchange) {
        return null;
    }

    /** A fresh encoder for the one stream of this call. */
    StreamEncoder streamEncoder(Exchange exchange);
}
