package dev.chatd.kit.responses;

import static dev.chatd.kit.responses.ResponsesRequestsTest.at;
import static dev.chatd.kit.responses.ResponsesRequestsTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.responses.ResponsesEvents.Event;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client-side stream: chunks in, Responses events out, in the order the SDKs' accumulators check. */
class ResponsesEventsTest {

    private static List<Event> run(ChatChunk... chunks) {
        ResponsesEvents events = new ResponsesEvents("resp_1", 1700000000L, "kimi/k2");
        List<Event> out = new ArrayList<>(events.start());
        for (ChatChunk chunk : chunks) {
            out.addAll(events.accept(chunk));
        }
        return out;
    }

    private static ChatChunk tool(int index, String id, String name, String args) {
        return new ChatChunk(null, null, List.of(new ToolCallDelta(index, id, name, args)), null, null);
    }

    private static ChatChunk reasoning(String text) {
        return new ChatChunk(null, text, List.of(), null, null);
    }

    /**
     * Replays the events the way the openai SDK's accumulator does, checking what it checks:
     * {@code response.created} first, sequence numbers one apart, items appended at the next
     * output index, every item-scoped event naming the open item by id and index, parts
     * appended at the next index, {@code .done} texts equal to their deltas, and the final
     * response's output equal to the items as streamed. Returns the final response.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> replay(List<Event> events) {
        assertThat(events.get(0).name()).isEqualTo("response.created");
        assertThat(events.get(1).name()).isEqualTo("response.in_progress");
        List<Map<String, Object>> output = new ArrayList<>();
        Map<String, StringBuilder> deltas = new LinkedHashMap<>();
        Map<String, Object> response = null;
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            Map<String, Object> d = e.data();
            assertThat(d).containsEntry("type", e.name()).containsEntry("sequence_number", i);
            Object itemId = d.get("item_id");
            if (itemId != null) {
                int index = (Integer) d.get("output_index");
                assertThat(index).isEqualTo(output.size() - 1); // the open item is the last one
                assertThat(output.get(index).get("id")).isEqualTo(itemId);
            }
            String key = itemId + "/" + d.get("content_index") + "/" + d.get("summary_index");
            switch (e.name()) {
                case "response.output_item.added" -> {
                    assertThat(d.get("output_index")).isEqualTo(output.size());
                    Map<String, Object> item = new LinkedHashMap<>((Map<String, Object>) d.get("item"));
                    assertThat((String) item.get("id")).isNotEmpty();
                    output.add(item);
                }
                case "response.output_item.done" -> {
                    Map<String, Object> item = (Map<String, Object>) d.get("item");
                    int index = (Integer) d.get("output_index");
                    assertThat(item.get("id")).isEqualTo(output.get(index).get("id"));
                    assertThat(item.get("type")).isEqualTo(output.get(index).get("type"));
                    output.set(index, item);
                }
                case "response.content_part.added" -> {
                    assertThat(node(output.get(output.size() - 1), "type")).isEqualTo("message");
                    assertThat(d.get("content_index")).isEqualTo(0);
                }
                case "response.reasoning_summary_part.added" -> {
                    assertThat(node(output.get(output.size() - 1), "type")).isEqualTo("reasoning");
                    assertThat(d.get("summary_index")).isEqualTo(0);
                }
                case "response.output_text.delta",
                        "response.reasoning_summary_text.delta",
                        "response.function_call_arguments.delta" ->
                    deltas.computeIfAbsent(key, k -> new StringBuilder()).append((String) d.get("delta"));
                case "response.output_text.done", "response.reasoning_summary_text.done" ->
                    assertThat(d.get("text")).isEqualTo(String.valueOf(deltas.get(key)));
                case "response.function_call_arguments.done" -> {
                    assertThat(d.get("arguments")).isEqualTo(String.valueOf(deltas.get(key)));
                    assertThat(d.get("name"))
                            .isEqualTo(output.get(output.size() - 1).get("name"));
                }
                case "response.content_part.done" ->
                    assertThat(node(d, "part", "text")).isEqualTo(String.valueOf(deltas.get(key)));
                case "response.reasoning_summary_part.done" ->
                    assertThat(node(d, "part", "text")).isEqualTo(String.valueOf(deltas.get(key)));
                case "response.completed", "response.incomplete", "response.failed" -> {
                    response = (Map<String, Object>) d.get("response");
                    assertThat(response.get("output")).isEqualTo(output);
                }
                default -> {}
            }
        }
        return response;
    }

    private static List<String> names(List<Event> events) {
        return events.stream().map(Event::name).toList();
    }

    @Test
    void textMakesAMessageItemWithOneOutputTextPart() {
        List<Event> events =
                run(ChatChunk.text("Hel"), ChatChunk.text("lo"), ChatChunk.finish(FinishReason.STOP, Usage.of(3, 2)));

        assertThat(names(events))
                .containsExactly(
                        "response.created",
                        "response.in_progress",
                        "response.output_item.added",
                        "response.content_part.added",
                        "response.output_text.delta",
                        "response.output_text.delta",
                        "response.output_text.done",
                        "response.content_part.done",
                        "response.output_item.done",
                        "response.completed");
        Map<String, Object> response = replay(events);
        assertThat(response).containsEntry("status", "completed").containsEntry("id", "resp_1");
        assertThat(node(response, "output", 0, "content", 0))
                .isEqualTo(Map.of("type", "output_text", "text", "Hello", "annotations", List.of()));
        assertThat(node(response, "usage", "total_tokens")).isEqualTo(5);
        assertThat(node(events.get(0).data(), "response", "status")).isEqualTo("in_progress");
        assertThat(node(events.get(0).data(), "response", "output")).isEqualTo(List.of());
    }

    @Test
    void reasoningTextAndParallelCallsMakeItemsInOrderWithTheirCallIds() {
        List<Event> events = run(
                reasoning("Two "),
                reasoning("files."),
                ChatChunk.text("Reading."),
                tool(0, "call_A", "read", null),
                tool(0, null, null, "{\"path\":"),
                tool(0, null, null, "\"a\"}"),
                tool(1, "call_B", "read", "{\"path\":\"b\"}"),
                ChatChunk.finish(FinishReason.STOP, new Usage(10, 5, 15, null, 4, 3)));

        Map<String, Object> response = replay(events);

        List<Map<String, Object>> output = at(response, "output");
        assertThat(output)
                .extracting(i -> i.get("type"))
                .containsExactly("reasoning", "message", "function_call", "function_call");
        assertThat(node(output, 0, "summary")).isEqualTo(List.of(Map.of("type", "summary_text", "text", "Two files.")));
        assertThat(output.get(2))
                .containsEntry("call_id", "call_A")
                .containsEntry("arguments", "{\"path\":\"a\"}")
                .containsEntry("status", "completed");
        assertThat(output.get(3)).containsEntry("call_id", "call_B").containsEntry("arguments", "{\"path\":\"b\"}");
        assertThat(names(events))
                .contains("response.reasoning_summary_part.added", "response.reasoning_summary_part.done");
        assertThat(node(response, "usage", "input_tokens_details", "cached_tokens"))
                .isEqualTo(4);
        assertThat(node(response, "usage", "output_tokens_details", "reasoning_tokens"))
                .isEqualTo(3);
        assertThat(names(events).get(names(events).size() - 1)).isEqualTo("response.completed");
    }

    @Test
    void aCallWithoutIdGetsOneAndPiecesBeforeItsNameAreHeld() {
        List<Event> events = run(
                tool(0, null, null, "{\"x\":"),
                tool(0, null, "f", "1}"),
                tool(1, null, "g", null),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));

        Map<String, Object> response = replay(events);

        List<Map<String, Object>> output = at(response, "output");
        assertThat((String) output.get(0).get("call_id")).startsWith("call_");
        assertThat(output.get(0)).containsEntry("arguments", "{\"x\":1}");
        assertThat(output.get(1)).containsEntry("arguments", "{}"); // never an empty string
        assertThat(output.get(0).get("call_id")).isNotEqualTo(output.get(1).get("call_id"));
        assertThat(response.get("usage")).isNotNull();
    }

    @Test
    void truncationEndsWithResponseIncomplete() {
        List<Event> events = run(ChatChunk.text("Once upon"), ChatChunk.finish(FinishReason.LENGTH, Usage.of(5, 2)));

        Map<String, Object> response = replay(events);

        assertThat(events.get(events.size() - 1).name()).isEqualTo("response.incomplete");
        assertThat(response)
                .containsEntry("status", "incomplete")
                .containsEntry("incomplete_details", Map.of("reason", "max_output_tokens"));
        assertThat(node(response, "output", 0, "status")).isEqualTo("incomplete");
    }

    @Test
    void aReasoningSignatureBecomesTheReasoningItemsEncryptedContent() {
        List<Event> events = run(
                reasoning("Hm."),
                new ChatChunk(null, null, List.of(), null, null, 0, null, "gAAAAenc", null),
                ChatChunk.text("Yes."),
                ChatChunk.finish(FinishReason.STOP, null));

        Map<String, Object> response = replay(events);

        assertThat(node(response, "output", 0, "encrypted_content")).isEqualTo("gAAAAenc");
        assertThat(node(response, "output", 1, "type")).isEqualTo("message");
    }

    @Test
    void aFailureMidStreamEndsWithResponseFailedThenAnErrorEvent() {
        ResponsesEvents events = new ResponsesEvents("resp_1", 1L, "m");
        List<Event> out = new ArrayList<>(events.accept(ChatChunk.text("Par")));
        out.addAll(events.failed("upstream broke"));

        assertThat(names(out).subList(out.size() - 2, out.size())).containsExactly("response.failed", "error");
        Map<String, Object> failed = out.get(out.size() - 2).data();
        assertThat(node(failed, "response", "status")).isEqualTo("failed");
        assertThat(node(failed, "response", "error"))
                .isEqualTo(Map.of("code", "server_error", "message", "upstream broke"));
        Map<String, Object> error = out.get(out.size() - 1).data();
        assertThat(error)
                .containsEntry("code", "server_error")
                .containsEntry("message", "upstream broke")
                .containsEntry("param", null)
                .containsEntry("sequence_number", out.size() - 1);
        assertThat(events.finished()).isTrue();
        assertThat(events.accept(ChatChunk.text("late"))).isEmpty();
        assertThat(events.failed("again")).isEmpty();
    }

    @Test
    void theFinalResponseIsWhatEncodeReplyWritesForTheSameAnswer() {
        List<Event> events = run(ChatChunk.text("Hi."), ChatChunk.finish(FinishReason.STOP, Usage.of(1, 1)));
        Map<String, Object> streamed = replay(events);

        Map<String, Object> whole = ResponsesReplies.encodeReply(
                "resp_1",
                1700000000L,
                "kimi/k2",
                new dev.chatd.api.ChatResponse(
                        null,
                        null,
                        dev.chatd.api.Message.of(dev.chatd.api.Role.ASSISTANT, "Hi."),
                        FinishReason.STOP,
                        Usage.of(1, 1)));

        assertThat(streamed.keySet()).isEqualTo(whole.keySet());
        Map<String, Object> a = new LinkedHashMap<>(streamed);
        Map<String, Object> b = new LinkedHashMap<>(whole);
        a.remove("output");
        b.remove("output");
        assertThat(a).isEqualTo(b);
        assertThat(node(streamed, "output", 0, "content")).isEqualTo(node(whole, "output", 0, "content"));
    }

    @Test
    void chunksOfOtherChoicesAreIgnored() {
        List<Event> events = run(
                new ChatChunk("other", null, List.of(), null, null, 1, null),
                ChatChunk.text("first"),
                ChatChunk.finish(FinishReason.STOP, null));

        Map<String, Object> response = replay(events);

        assertThat(node(response, "output", 0, "content", 0, "text")).isEqualTo("first");
    }
}
