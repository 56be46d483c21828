package dev.chatd.server;

import dev.chatd.kit.json.JsonCodec;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a {@code text/event-stream} reply the way an SSE client does, one event at a time, and
 * notes when each arrived and which comment lines came before it.
 */
final class SseReader implements AutoCloseable {

    /** One event: its {@code event:} name (null for plain data), its data and when it arrived. */
    record Event(String name, String data, long arrivedAt) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            return (Map<String, Object>) JsonCodec.parse(data);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> delta() {
            return (Map<String, Object>) json().get("delta");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> error() {
            return (Map<String, Object>) json().get("error");
        }

        boolean isError() {
            return "error".equals(name);
        }
    }

    private final HttpResponse<Stream<String>> response;
    private final Iterator<String> lines;
    /** Every line in arrival order, comments and blank lines included. */
    final List<String> raw = new ArrayList<>();

    SseReader(HttpResponse<Stream<String>> response) {
        this.response = response;
        this.lines = response.body().iterator();
    }

    HttpResponse<Stream<String>> response() {
        return response;
    }

    int status() {
        return response.statusCode();
    }

    String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** The next event, blocking until it is complete; null when the body ends. */
    Event next() {
        String name = null;
        StringBuilder data = null;
        while (lines.hasNext()) {
            String line = lines.next();
            raw.add(line);
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(name, data.toString(), System.nanoTime());
                }
                name = null;
            } else if (line.startsWith("event:")) {
                name = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                String value = line.startsWith("data: ") ? line.substring(6) : line.substring(5);
                data = data == null
                        ? new StringBuilder(value)
                        : data.append('\n').append(value);
            }
        }
        return data == null ? null : new Event(name, data.toString(), System.nanoTime());
    }

    /** Every remaining event, until the body ends. */
    List<Event> rest() {
        List<Event> events = new ArrayList<>();
        Event e;
        while ((e = next()) != null) {
            events.add(e);
        }
        return events;
    }

    /** The body as one string, for replies that are not streams (errors before the first byte). */
    String remainingText() {
        StringBuilder text = new StringBuilder();
        lines.forEachRemaining(l -> text.append(l).append('\n'));
        return text.toString();
    }

    @Override
    public void close() {
        response.body().close();
    }
}
