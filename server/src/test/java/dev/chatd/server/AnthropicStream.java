package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Anthropic Messages stream read the way an Anthropic SDK accumulates it, failing on any
 * event out of Anthropic's order: {@code message_start} first; each block's
 * {@code content_block_start}, deltas of its kind at its index and {@code content_block_stop},
 * indexes contiguous from 0; then {@code message_delta} and {@code message_stop}, last.
 * {@code ping} events may come anywhere and are skipped, as the SDKs skip them.
 */
record AnthropicStream(Map<String, Object> message, List<Map<String, Object>> blocks, Map<String, Object> delta) {

    String stopReason() {
        return (String) delta.get("stop_reason");
    }

    /** The blocks' types in order. */
    List<String> types() {
        return blocks.stream().map(b -> (String) b.get("type")).toList();
    }

    /** The names of the events, pings left out. */
    static List<String> names(List<SseReader.Event> events) {
        return events.stream()
                .map(SseReader.Event::name)
                .filter(n -> !"ping".equals(n))
                .toList();
    }

    @SuppressWarnings("unchecked")
    static AnthropicStream read(List<SseReader.Event> all) {
        List<SseReader.Event> events =
                all.stream().filter(e -> !"ping".equals(e.name())).toList();
        assertThat(events).as("events").isNotEmpty();
        for (SseReader.Event e : events) {
            assertThat(e.name()).as("every event is named").isNotNull();
            assertThat(e.json()).as("the data's type is the event's name").containsEntry("type", e.name());
        }
        assertThat(events.getFirst().name()).isEqualTo("message_start");
        assertThat(events.getLast().name()).isEqualTo("message_stop");
        assertThat(events.get(events.size() - 2).name()).isEqualTo("message_delta");
        Map<String, Object> message =
                (Map<String, Object>) events.getFirst().json().get("message");
        assertThat(message.get("content")).isEqualTo(List.of());
        assertThat((String) message.get("id")).startsWith("msg_");

        List<Map<String, Object>> blocks = new ArrayList<>();
        StringBuilder json = null;
        Map<String, Object> open = null;
        for (SseReader.Event e : events.subList(1, events.size() - 2)) {
            Map<String, Object> data = e.json();
            int index = ((Number) data.get("index")).intValue();
            switch (e.name()) {
                case "content_block_start" -> {
                    assertThat(open)
                            .as("a block starts only after the last one stopped")
                            .isNull();
                    assertThat(index).as("indexes are contiguous from 0").isEqualTo(blocks.size());
                    open = new LinkedHashMap<>((Map<String, Object>) data.get("content_block"));
                    json = new StringBuilder();
                }
                case "content_block_delta" -> {
                    assertThat(open).as("a delta belongs to an open block").isNotNull();
                    assertThat(index).isEqualTo(blocks.size());
                    Map<String, Object> delta = (Map<String, Object>) data.get("delta");
                    String type = (String) delta.get("type");
                    switch (type) {
                        case "text_delta" -> {
                            assertThat(open.get("type")).isEqualTo("text");
                            open.put("text", open.get("text") + (String) delta.get("text"));
                        }
                        case "thinking_delta" -> {
                            assertThat(open.get("type")).isEqualTo("thinking");
                            open.put("thinking", open.get("thinking") + (String) delta.get("thinking"));
                        }
                        case "signature_delta" -> {
                            assertThat(open.get("type")).isEqualTo("thinking");
                            open.put("signature", open.get("signature") + (String) delta.get("signature"));
                        }
                        case "input_json_delta" -> {
                            assertThat(open.get("type")).isEqualTo("tool_use");
                            json.append((String) delta.get("partial_json"));
                        }
                        default -> throw new AssertionError("unknown delta " + type);
                    }
                }
                case "content_block_stop" -> {
                    assertThat(open).as("a stop closes an open block").isNotNull();
                    assertThat(index).isEqualTo(blocks.size());
                    if ("tool_use".equals(open.get("type"))) {
                        // The pieces concatenate to the call's input, a JSON object.
                        open.put("input", JsonCodec.parse(json.toString()));
                    }
                    blocks.add(open);
                    open = null;
                }
                default -> throw new AssertionError("event out of order: " + e.name() + " " + e.data());
            }
        }
        assertThat(open).as("every block stopped before message_delta").isNull();
        Map<String, Object> delta = events.get(events.size() - 2).json();
        assertThat(delta).containsKey("usage");
        return new AnthropicStream(message, blocks, (Map<String, Object>) delta.get("delta"));
    }
}
