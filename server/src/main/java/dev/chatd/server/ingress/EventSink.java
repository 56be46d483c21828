package dev.chatd.server.ingress;

/**
 * Where a {@link StreamEncoder} writes the events of one streamed reply. Each call writes and
 * flushes one event in the ingress's {@link Framing}; a client that went away makes the call
 * throw, which ends the relay.
 */
public interface EventSink {
    /** One event of a JSON tree: {@code data: <json>} (SSE) or a line (NDJSON). */
    void data(Object tree);

    /** One named event, {@code event: <name>} then {@code data: <json>}; SSE only. */
    void event(String name, Object tree);

    /** One event of text as it is, such as OpenAI's {@code data: [DONE]}. */
    void rawData(String text);
}
