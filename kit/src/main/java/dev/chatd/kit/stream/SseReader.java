package dev.chatd.kit.stream;

import dev.chatd.kit.http.UpstreamStream;

/**
 * Server-sent events read from a streamed upstream body: each event's {@code data:} lines joined
 * by newlines, with its {@code event:} name when it has one. Comment lines ({@code : keep-alive})
 * and events without data are skipped; {@code id:} and {@code retry:} carry nothing a chat
 * stream needs. One reader at a time, like the body.
 *
 * @since 0.2
 */
public final class SseReader {

    /**
     * One event.
     *
     * @param name its {@code event:} name, or null for the default {@code message}
     */
    public record Event(String name, String data) {}

    private final UpstreamStream body;

    public SseReader(UpstreamStream body) {
        this.body = body;
    }

    /**
     * The next event with data, blocking until it is complete (a blank line, or the end of the
     * body); null at the end of the body.
     */
    public Event next() {
        StringBuilder data = null;
        String name = null;
        while (true) {
            String line = body.nextLine();
            if (line == null) {
                return data == null ? null : new Event(name, data.toString());
            }
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(name, data.toString());
                }
                name = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            if (line.startsWith("data:")) {
                String value = value(line, 5);
                data = data == null
                        ? new StringBuilder(value)
                        : data.append('\n').append(value);
            } else if (line.startsWith("event:")) {
                name = value(line, 6);
            }
        }
    }

    /** A field's value: after its name and colon, less one leading space. */
    private static String value(String line, int colonEnd) {
        return line.startsWith(" ", colonEnd) ? line.substring(colonEnd + 1) : line.substring(colonEnd);
    }
}
