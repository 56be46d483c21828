package dev.chatd.kit.anthropic;

import static dev.chatd.kit.anthropic.AnthropicMessagesRequestsTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.anthropic.AnthropicMessagesEvents.Event;
import dev.chatd.kit.json.JsonCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client-side stream: chunks in, Anthropic's events out, in Anthropic's order. */
class AnthropicMessagesEventsTest {

    private static List<Event> run(ChatChunk... chunks) {
        AnthropicMessagesEvents events = new AnthropicMessagesEvents("msg_1", "kimi/k", 42);
        List<Event> out = new ArrayList<>();
        for (ChatChunk chunk : chunks) {
            out.addAll(events.accept(chunk));
        }
        assertWellFormed(out);
        return out;
    }

    private static ChatChunk tool(int index, String id, String name, String args) {
        return new ChatChunk(null, null, List.of(new ToolCallDelta(index, id, name, args)), null, null);
    }

    private static ChatChunk reasoning(String text, String signature) {
        return new ChatChunk(null, text, List.of(), null, null, 0, null, signature, null);
    }

    /**
     * Anthropic's grammar: one message_start first; blocks one at a time, indexes contiguous from
     * 0, deltas only for the open block; message_delta then message_stop last.
     */
    static void assertWellFormed(List<Event> events) {
        assertThat(events).isNotEmpty();
        assertThat(events.get(0).name()).isEqualTo("message_start");
        assertThat(events).filteredOn(e -> e.name().equals("message_start")).hasSize(1);
        Integer open = null;
        int next = 0;
        for (Event e : events) {
            assertThat(e.data()).containsEntry("type", e.name());
            switch (e.name()) {
                case "content_block_start" -> {
                    assertThat(open).as("a block opened while another is open").isNull();
                    assertThat(e.data()).containsEntry("index", next);
                    open = next++;
                }
                case "content_block_delta" -> assertThat(e.data().get("index")).isEqualTo(open);
                case "content_block_stop" -> {
                    assertThat(e.data().get("index")).isEqualTo(open);
                    open = null;
                }
                case "message_delta" -> assertThat(open).isNull();
                default -> {}
            }
        }
        assertThat(events.get(events.size() - 1).name()).isEqualTo("message_stop");
        assertThat(events.get(events.size() - 2).name()).isEqualTo("message_delta");
    }

    private static List<String> names(List<Event> events) {
        return events.stream().map(Event::name).toList();
    }

    private static String inputOf(List<Event> events, int block) {
        StringBuilder json = new StringBuilder();
        for (Event e : events) {
            if (e.name().equals("content_block_delta") && e.data().get("index").equals(block)) {
                json.append((String) node(e.data(), "delta", "partial_json"));
            }
        }
        return json.toString();
    }

    @Test
    void textStreamsInOneTextBlock() {
        List<Event> events =
                run(ChatChunk.text("Hel"), ChatChunk.text("lo"), ChatChunk.finish(FinishReason.STOP, Usage.of(9, 2)));
        assertThat(names(events))
                .containsExactly(
                        "message_start",
                        "content_block_start",
                        "content_block_delta",
                        "content_block_delta",
                        "content_block_stop",
                        "message_delta",
                        "message_stop");
        assertThat(node(events.get(0).data(), "message", "usage"))
                .isEqualTo(Map.of("input_tokens", 42, "output_tokens", 1));
        assertThat(node(events.get(0).data(), "message", "id")).isEqualTo("msg_1");
        assertThat(node(events.get(1).data(), "content_block")).isEqualTo(Map.of("type", "text", "text", ""));
        assertThat(node(events.get(3).data(), "delta")).isEqualTo(Map.of("type", "text_delta", "text", "lo"));
        assertThat(node(events.get(5).data(), "delta"))
                .isEqualTo(mapOf("stop_reason", "end_turn", "stop_sequence", null));
        assertThat(node(events.get(5).data(), "usage")).isEqualTo(Map.of("input_tokens", 9, "output_tokens", 2));
    }

    @Test
    void reasoningIsAThinkingBlockWithItsSignatureNeverText() {
        List<Event> events = run(
                reasoning("Let me ", null),
                reasoning("think.", null),
                reasoning(null, "sig-abc"),
                ChatChunk.text("Answer."),
                ChatChunk.finish(FinishReason.STOP, null));
        assertThat(node(events.get(1).data(), "content_block", "type")).isEqualTo("thinking");
        assertThat(node(events.get(2).data(), "delta"))
                .isEqualTo(Map.of("type", "thinking_delta", "thinking", "Let me "));
        assertThat(node(events.get(4).data(), "delta"))
                .isEqualTo(Map.of("type", "signature_delta", "signature", "sig-abc"));
        assertThat(node(events.get(6).data(), "content_block", "type")).isEqualTo("text");
        assertThat(node(events.get(6).data(), "index")).isEqualTo(1);
        String all = JsonCodec.writeString(events.stream().map(Event::data).toList());
        assertThat(all).doesNotContain("\"text_delta\",\"text\":\"Let me");
        // No usage from the upstream: an estimate, not zero.
        assertThat((int) node(events.get(events.size() - 2).data(), "usage", "output_tokens"))
                .isPositive();
    }

    @Test
    void redactedReasoningIsItsOwnBlock() {
        List<Event> events = run(
                new ChatChunk(null, null, List.of(), null, null, 0, null, null, "enc=="),
                ChatChunk.text("Hi"),
                ChatChunk.finish(FinishReason.STOP, null));
        assertThat(node(events.get(1).data(), "content_block"))
                .isEqualTo(Map.of("type", "redacted_thinking", "data", "enc=="));
        assertThat(events.get(2).name()).isEqualTo("content_block_stop");
    }

    @Test
    void parallelToolCallsAreBlocksOfTheirOwnInOrderWithIdsAndJsonThatConcatenates() {
        List<Event> events = run(
                ChatChunk.text("Checking both."),
                tool(0, "call_A", "weather", "{\"ci"),
                tool(0, null, null, "ty\":\"Paris\"}"),
                tool(1, "call_B", "weather", ""),
                tool(1, null, null, "{\"city\":"),
                tool(1, null, null, "\"Rome\"}"),
                ChatChunk.finish(FinishReason.TOOL_CALLS, Usage.of(3, 4)));
        assertThat(node(events.get(4).data(), "content_block"))
                .isEqualTo(Map.of("type", "tool_use", "id", "call_A", "name", "weather", "input", Map.of()));
        assertThat(JsonCodec.parse(inputOf(events, 1))).isEqualTo(JsonCodec.parse("{\"city\":\"Paris\"}"));
        assertThat(JsonCodec.parse(inputOf(events, 2))).isEqualTo(JsonCodec.parse("{\"city\":\"Rome\"}"));
        List<Event> starts = events.stream()
                .filter(e -> e.name().equals("content_block_start"))
                .toList();
        assertThat(starts)
                .extracting(e -> node(e.data(), "content_block", "id"))
                .containsExactly(null, "call_A", "call_B");
        assertThat(node(events.get(events.size() - 2).data(), "delta", "stop_reason"))
                .isEqualTo("tool_use");
    }

    @Test
    void anUpstreamThatSaysStopWhileCallingToolsEndsWithToolUse() {
        List<Event> events = run(tool(0, "c1", "ls", "{}"), ChatChunk.finish(FinishReason.STOP, null));
        assertThat(node(events.get(events.size() - 2).data(), "delta", "stop_reason"))
                .isEqualTo("tool_use");
    }

    @Test
    void aCallWithoutIdGetsATooluIdAndWholeOrEmptyArgumentsAreValidJson() {
        // Ollama sends each call whole in one piece, without an id; one has no arguments at all.
        List<Event> events = run(
                new ChatChunk(
                        null,
                        null,
                        List.of(
                                new ToolCallDelta(0, null, "read", "{\"path\":\"a\"}"),
                                new ToolCallDelta(1, null, "pwd", "")),
                        null,
                        null),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));
        String id = (String) node(events.get(1).data(), "content_block", "id");
        assertThat(id).matches("toolu_[0-9A-Za-z]{24}");
        assertThat(inputOf(events, 0)).isEqualTo("{\"path\":\"a\"}");
        assertThat(inputOf(events, 1)).isEqualTo("{}");
        assertThat(node(events.get(4).data(), "content_block", "id")).isNotEqualTo(id);
    }

    @Test
    void piecesBeforeTheNameAreHeldUntilTheBlockOpens() {
        List<Event> events = run(
                tool(0, "c1", null, "{\"a\":"),
                tool(0, null, "f", "1}"),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));
        assertThat(inputOf(events, 0)).isEqualTo("{\"a\":1}");
    }

    @Test
    void messageStartComesOnceAndNothingAfterTheEnd() {
        AnthropicMessagesEvents events = new AnthropicMessagesEvents("msg_1", "m", 0);
        assertThat(events.start()).hasSize(1);
        assertThat(events.start()).isEmpty();
        List<Event> out = events.accept(ChatChunk.text("x"));
        assertThat(names(out)).containsExactly("content_block_start", "content_block_delta");
        events.accept(ChatChunk.finish(FinishReason.LENGTH, null));
        assertThat(events.finished()).isTrue();
        assertThat(events.accept(ChatChunk.text("late"))).isEmpty();
    }

    @Test
    void lengthIsMaxTokens() {
        List<Event> events = run(ChatChunk.text("x"), ChatChunk.finish(FinishReason.LENGTH, null));
        assertThat(node(events.get(events.size() - 2).data(), "delta", "stop_reason"))
                .isEqualTo("max_tokens");
    }

    @Test
    void pingAndErrorAreAnthropicsEvents() {
        AnthropicMessagesEvents events = new AnthropicMessagesEvents("msg_1", "m", 0);
        assertThat(events.ping()).isEqualTo(new Event("ping", Map.of("type", "ping")));
        Event error = events.error("overloaded_error", "Upstream overloaded");
        assertThat(error.name()).isEqualTo("error");
        assertThat(error.data())
                .isEqualTo(Map.of(
                        "type",
                        "error",
                        "error",
                        Map.of("type", "overloaded_error", "message", "Upstream overloaded")));
    }

    private static Map<String, Object> mapOf(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }
}
