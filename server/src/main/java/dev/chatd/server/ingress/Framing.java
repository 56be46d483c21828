package dev.chatd.server.ingress;

/** How a streamed reply is framed on the wire. */
public enum Framing {
    /**
     * Server-sent events ({@code text/event-stream}): each event is {@code data: …}, optionally
     * named with {@code event: …}. The stream opens on a slow upstream with a keep-alive comment.
     */
    SSE,
    /**
     * Newline-delimited JSON ({@code application/x-ndjson}): each event is one line; event
     * names do not exist. The upstream is called before the 200 goes out.
     */
    NDJSON
}
