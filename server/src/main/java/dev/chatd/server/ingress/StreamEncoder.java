package dev.chatd.server.ingress;

import dev.chatd.api.ChatChunk;

/**
 * Writes one streamed reply in an ingress's shape. One encoder serves one stream, so it may
 * keep state (tool calls assembled so far, a sequence number, which content block is open) and
 * write any number of events per call, or none.
 *
 * <p>The relay calls {@link #open} once when the stream is ready, then {@link #chunk} for each
 * chunk; the last call is either a final chunk ({@link ChatChunk#isFinal()}) or {@link #error},
 * never both.
 */
public interface StreamEncoder {
    /** Writes what comes before the first chunk (OpenAI's role chunk); nothing by default. */
    default void open(EventSink out) {}

    /** Writes what one chunk becomes; on the final chunk also whatever ends the stream. */
    void chunk(EventSink out, ChatChunk chunk);

    /** Ends the stream with a failure after the 200 went out, in the API's in-stream error shape. */
    void error(EventSink out, ApiError error);

    /** The SSE keep-alive comment most APIs' clients skip. */
    String KEEP_ALIVE_COMMENT = ": keep-alive\n\n";

    /**
     * What an SSE stream writes, as it is, while it waits on a silent upstream (before the first
     * chunk, or between two) so that clients and proxies keep the connection: one whole SSE
     * comment or event, its blank line included. A comment by default; an API with an event
     * for it (Anthropic's {@code ping}) says so. Written from the stream's heartbeat thread, so
     * it is a constant, not made from the encoder's state. Never called for NDJSON.
     */
    default String keepAlive() {
        return KEEP_ALIVE_COMMENT;
    }
}
