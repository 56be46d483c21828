package dev.chatd.kit.responses;

import static dev.chatd.kit.stream.StreamFixture.drain;
import static dev.chatd.kit.stream.StreamFixture.reasoning;
import static dev.chatd.kit.stream.StreamFixture.responses;
import static dev.chatd.kit.stream.StreamFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.stream.ToolCallAssembler;
import dev.chatd.tck.FakeUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Responses-format server-sent events read by {@link ResponsesStream} from a fake upstream. */
class ResponsesStreamTest {
    private final FakeUpstream fake = FakeUpstream.start();

    @AfterEach
    void stop() {
        fake.close();
    }

    private static String event(String type, String fields) {
        return "event: " + type + "\ndata: {\"type\":\"" + type + "\"" + (fields.isEmpty() ? "" : "," + fields)
                + "}\n\n";
    }

    private static final String START = event(
                    "response.created",
                    "\"sequence_number\":0,\"response\":{\"id\":\"resp_up\",\"status\":\"in_progress\",\"output\":[]}")
            + event("response.in_progress", "\"response\":{\"id\":\"resp_up\",\"output\":[]}");

    private static String completed(String status, String extra) {
        return event(
                "response." + status,
                "\"response\":{\"id\":\"resp_up\",\"status\":\"" + status + "\"," + extra
                        + "\"usage\":{\"input_tokens\":120,\"input_tokens_details\":{\"cached_tokens\":100},"
                        + "\"output_tokens\":40,\"output_tokens_details\":{\"reasoning_tokens\":25},\"total_tokens\":160}}");
    }

    /** Reasoning in two summary parts with encrypted content, text, and two parallel calls, the way OpenAI streams them. */
    private static final String FULL = START
            + event(
                    "response.output_item.added",
                    "\"output_index\":0,\"item\":{\"id\":\"rs_1\",\"type\":\"reasoning\",\"summary\":[]}")
            + event(
                    "response.reasoning_summary_part.added",
                    "\"item_id\":\"rs_1\",\"output_index\":0,\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":\"\"}")
            + event(
                    "response.reasoning_summary_text.delta",
                    "\"item_id\":\"rs_1\",\"output_index\":0,\"summary_index\":0,\"delta\":\"Two \"")
            + event(
                    "response.reasoning_summary_text.delta",
                    "\"item_id\":\"rs_1\",\"output_index\":0,\"summary_index\":0,\"delta\":\"files.\"")
            + event(
                    "response.reasoning_summary_part.added",
                    "\"item_id\":\"rs_1\",\"output_index\":0,\"summary_index\":1,\"part\":{\"type\":\"summary_text\",\"text\":\"\"}")
            + event(
                    "response.reasoning_summary_text.delta",
                    "\"item_id\":\"rs_1\",\"output_index\":0,\"summary_index\":1,\"delta\":\"Read both.\"")
            + event(
                    "response.output_item.done",
                    "\"output_index\":0,\"item\":{\"id\":\"rs_1\",\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":\"gAAAAenc\"}")
            + event(
                    "response.output_item.added",
                    "\"output_index\":1,\"item\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[]}")
            + event(
                    "response.content_part.added",
                    "\"item_id\":\"msg_1\",\"output_index\":1,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}")
            + event(
                    "response.output_text.delta",
                    "\"item_id\":\"msg_1\",\"output_index\":1,\"content_index\":0,\"delta\":\"Read\",\"logprobs\":[]")
            + ": keep-alive\n\n"
            + event(
                    "response.output_text.delta",
                    "\"item_id\":\"msg_1\",\"output_index\":1,\"content_index\":0,\"delta\":\"ing.\",\"logprobs\":[]")
            + event(
                    "response.output_text.done",
                    "\"item_id\":\"msg_1\",\"output_index\":1,\"content_index\":0,\"text\":\"Reading.\"")
            + event("response.output_item.done", "\"output_index\":1,\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}")
            + event(
                    "response.output_item.added",
                    "\"output_index\":2,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"call_A\",\"name\":\"read\",\"arguments\":\"\"}")
            + event(
                    "response.function_call_arguments.delta",
                    "\"item_id\":\"fc_1\",\"output_index\":2,\"delta\":\"{\\\"path\\\":\"")
            + event(
                    "response.function_call_arguments.delta",
                    "\"item_id\":\"fc_1\",\"output_index\":2,\"delta\":\"\\\"a\\\"}\"")
            + event(
                    "response.function_call_arguments.done",
                    "\"item_id\":\"fc_1\",\"output_index\":2,\"arguments\":\"{\\\"path\\\":\\\"a\\\"}\"")
            + event(
                    "response.output_item.done",
                    "\"output_index\":2,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"call_A\",\"name\":\"read\",\"arguments\":\"{\\\"path\\\":\\\"a\\\"}\"}")
            + event(
                    "response.output_item.added",
                    "\"output_index\":3,\"item\":{\"id\":\"fc_2\",\"type\":\"function_call\",\"call_id\":\"call_B\",\"name\":\"read\",\"arguments\":\"\"}")
            + event(
                    "response.function_call_arguments.delta",
                    "\"item_id\":\"fc_2\",\"delta\":\"{\\\"path\\\":\\\"b\\\"}\"")
            + event(
                    "response.output_item.done",
                    "\"output_index\":3,\"item\":{\"id\":\"fc_2\",\"type\":\"function_call\",\"call_id\":\"call_B\",\"name\":\"read\",\"arguments\":\"{\\\"path\\\":\\\"b\\\"}\"}")
            + completed("completed", "");

    @Test
    void everyItemTypeBecomesChunksAndParallelCallsKeepTheirOrderAndIds() {
        fake.on("POST", "/responses", FakeUpstream.sse().write(FULL));

        List<ChatChunk> chunks = drain(responses(fake));

        assertThat(reasoning(chunks)).isEqualTo("Two files.\n\nRead both.");
        assertThat(text(chunks)).isEqualTo("Reading.");
        assertThat(chunks)
                .filteredOn(c -> c.reasoningSignature() != null)
                .extracting(ChatChunk::reasoningSignature)
                .containsExactly("gAAAAenc");
        ToolCallAssembler calls = new ToolCallAssembler();
        chunks.forEach(c -> calls.add(c.toolCalls()));
        assertThat(calls.calls())
                .containsExactly(
                        new ToolCall("call_A", "read", "{\"path\":\"a\"}"),
                        new ToolCall("call_B", "read", "{\"path\":\"b\"}"));
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(last.usage()).isEqualTo(new Usage(120, 40, 160, null, 100, 25));
        assertThat(chunks).filteredOn(ChatChunk::isFinal).hasSize(1);
    }

    @Test
    void aResponsesUpstreamsStreamReachesAResponsesClientItemForItem() {
        fake.on("POST", "/responses", FakeUpstream.sse().write(FULL));
        ResponsesEvents events = new ResponsesEvents("resp_x", 1L, "opencode/gpt-5");
        List<ResponsesEvents.Event> out = new ArrayList<>(events.start());
        for (ChatChunk chunk : drain(responses(fake))) {
            out.addAll(events.accept(chunk));
        }

        ResponsesEvents.Event end = out.get(out.size() - 1);
        assertThat(end.name()).isEqualTo("response.completed");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> output =
                (List<Map<String, Object>>) ((Map<String, Object>) end.data().get("response")).get("output");
        assertThat(output)
                .extracting(i -> i.get("type"))
                .containsExactly("reasoning", "message", "function_call", "function_call");
        assertThat(output.get(0)).containsEntry("encrypted_content", "gAAAAenc");
        assertThat(output.get(2)).containsEntry("call_id", "call_A").containsEntry("arguments", "{\"path\":\"a\"}");
        assertThat(output.get(3)).containsEntry("call_id", "call_B").containsEntry("arguments", "{\"path\":\"b\"}");
    }

    @Test
    void argumentsThatComeOnlyWholeAreKept() {
        fake.on(
                "POST",
                "/responses",
                FakeUpstream.sse()
                        .write(START
                                + event(
                                        "response.output_item.added",
                                        "\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"ls\",\"arguments\":\"\"}")
                                + event(
                                        "response.function_call_arguments.done",
                                        "\"item_id\":\"fc_1\",\"output_index\":0,\"arguments\":\"{\\\"dir\\\":\\\"/\\\"}\"")
                                + event(
                                        "response.output_item.done",
                                        "\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"ls\",\"arguments\":\"{\\\"dir\\\":\\\"/\\\"}\"}")
                                + completed("completed", "")));
        ToolCallAssembler calls = new ToolCallAssembler();
        drain(responses(fake)).forEach(c -> calls.add(c.toolCalls()));
        assertThat(calls.calls()).containsExactly(new ToolCall("call_1", "ls", "{\"dir\":\"/\"}"));
    }

    @Test
    void anIncompleteResponseIsTheLengthOrAContentFilter() {
        for (var pair : List.of(
                Map.entry("max_output_tokens", FinishReason.LENGTH),
                Map.entry("content_filter", FinishReason.CONTENT_FILTER))) {
            try (FakeUpstream one = FakeUpstream.start()) {
                one.on(
                        "POST",
                        "/responses",
                        FakeUpstream.sse()
                                .write(START
                                        + event(
                                                "response.output_text.delta",
                                                "\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"Once\"")
                                        + completed(
                                                "incomplete",
                                                "\"incomplete_details\":{\"reason\":\"" + pair.getKey() + "\"},")));
                List<ChatChunk> chunks = drain(responses(one));
                assertThat(chunks.get(chunks.size() - 1).finishReason())
                        .as(pair.getKey())
                        .isEqualTo(pair.getValue());
            }
        }
    }

    @Test
    void aFailedResponseMidStreamFailsWithItsMessage() {
        fake.on(
                "POST",
                "/responses",
                FakeUpstream.sse()
                        .write(
                                START
                                        + event(
                                                "response.output_text.delta",
                                                "\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hal\"")
                                        + event(
                                                "response.failed",
                                                "\"response\":{\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"The model broke\"}}")));
        ChatStream stream = responses(fake);
        assertThat(stream.next().content()).isEqualTo("Hal");
        assertThatThrownBy(stream::next)
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("The model broke");
    }

    @Test
    void anErrorEventFailsByItsCode() {
        fake.on(
                "POST",
                "/responses",
                FakeUpstream.sse()
                        .write(START
                                + event(
                                        "error",
                                        "\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down\",\"param\":null")));
        assertThatThrownBy(() -> drain(responses(fake)))
                .isInstanceOf(ChatException.RateLimited.class)
                .hasMessageContaining("Slow down");

        try (FakeUpstream nested = FakeUpstream.start()) {
            nested.on(
                    "POST",
                    "/responses",
                    FakeUpstream.sse()
                            .write(START
                                    + event("error", "\"error\":{\"code\":\"server_error\",\"message\":\"Oops\"}")));
            assertThatThrownBy(() -> drain(responses(nested)))
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("server_error")
                    .hasMessageContaining("Oops");
        }
    }

    @Test
    void aBodyThatEndsBeforeResponseCompletedIsABrokenStream() {
        fake.on(
                "POST",
                "/responses",
                FakeUpstream.sse()
                        .write(START
                                + event(
                                        "response.output_text.delta",
                                        "\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hal\"")));
        assertThatThrownBy(() -> drain(responses(fake)))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("response.completed");
    }
}
