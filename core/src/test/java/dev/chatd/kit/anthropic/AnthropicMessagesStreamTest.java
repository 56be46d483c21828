package dev.chatd.kit.anthropic;

import static dev.chatd.kit.stream.StreamFixture.anthropic;
import static dev.chatd.kit.stream.StreamFixture.drain;
import static dev.chatd.kit.stream.StreamFixture.reasoning;
import static dev.chatd.kit.stream.StreamFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.stream.ToolCallAssembler;
import dev.chatd.tck.FakeUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Anthropic-format server-sent events read by {@link AnthropicMessagesStream} from a fake upstream. */
class AnthropicMessagesStreamTest {
    private final FakeUpstream fake = FakeUpstream.start();

    @AfterEach
    void stop() {
        fake.close();
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    private static final String START = event(
            "message_start",
            "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                    + "\"model\":\"claude\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                    + "\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":100,\"output_tokens\":1}}}");

    private static String blockStart(int index, String block) {
        return event(
                "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":" + block + "}");
    }

    private static String delta(int index, String delta) {
        return event(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + delta + "}");
    }

    private static String blockStop(int index) {
        return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
    }

    private static String end(String stopReason, int outputTokens) {
        return event(
                        "message_delta",
                        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                                + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}")
                + event("message_stop", "{\"type\":\"message_stop\"}");
    }

    private static final String PING = event("ping", "{\"type\": \"ping\"}");

    /** Thinking with its signature, redacted thinking, text and two tool calls, the way Anthropic streams them. */
    private static final String FULL = START
            + blockStart(0, "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}")
            + delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"Both \"}")
            + PING
            + delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"files.\"}")
            + delta(0, "{\"type\":\"signature_delta\",\"signature\":\"EqQBsig\"}")
            + blockStop(0)
            + blockStart(1, "{\"type\":\"redacted_thinking\",\"data\":\"enc==\"}")
            + blockStop(1)
            + blockStart(2, "{\"type\":\"text\",\"text\":\"\"}")
            + delta(2, "{\"type\":\"text_delta\",\"text\":\"Reading.\"}")
            + blockStop(2)
            + blockStart(3, "{\"type\":\"tool_use\",\"id\":\"toolu_A\",\"name\":\"Read\",\"input\":{}}")
            + delta(3, "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}")
            + delta(3, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \\\"a\"}")
            + delta(3, "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"}\"}")
            + blockStop(3)
            + blockStart(4, "{\"type\":\"tool_use\",\"id\":\"toolu_B\",\"name\":\"Read\",\"input\":{}}")
            + delta(4, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\":\\\"b\\\"}\"}")
            + blockStop(4)
            + end("tool_use", 57);

    @Test
    void everyBlockTypeBecomesChunksAndToolCallsKeepTheirOrderAndIds() {
        fake.on("POST", "/messages", FakeUpstream.sse().write(FULL));

        List<ChatChunk> chunks = drain(anthropic(fake));

        assertThat(reasoning(chunks)).isEqualTo("Both files.");
        assertThat(text(chunks)).isEqualTo("Reading.");
        assertThat(chunks)
                .filteredOn(c -> c.reasoningSignature() != null)
                .extracting(ChatChunk::reasoningSignature)
                .containsExactly("EqQBsig");
        assertThat(chunks)
                .filteredOn(c -> c.redactedReasoning() != null)
                .extracting(ChatChunk::redactedReasoning)
                .containsExactly("enc==");
        ToolCallAssembler calls = new ToolCallAssembler();
        chunks.forEach(c -> calls.add(c.toolCalls()));
        assertThat(calls.calls())
                .containsExactly(
                        new ToolCall("toolu_A", "Read", "{\"path\": \"a\"}"),
                        new ToolCall("toolu_B", "Read", "{\"path\":\"b\"}"));
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.isFinal()).isTrue();
        assertThat(last.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(last.usage().promptTokens()).isEqualTo(125);
        assertThat(last.usage().cachedTokens()).isEqualTo(100);
        assertThat(last.usage().completionTokens()).isEqualTo(57);
        assertThat(chunks).filteredOn(ChatChunk::isFinal).hasSize(1);
    }

    @Test
    void anAnthropicUpstreamsStreamReachesAnAnthropicClientBlockForBlock() {
        fake.on("POST", "/messages", FakeUpstream.sse().write(FULL));
        AnthropicMessagesEvents events = new AnthropicMessagesEvents("msg_x", "opencode/claude", 25);
        List<AnthropicMessagesEvents.Event> out = new ArrayList<>();
        for (ChatChunk chunk : drain(anthropic(fake))) {
            out.addAll(events.accept(chunk));
        }
        List<Object> starts = out.stream()
                .filter(e -> e.name().equals("content_block_start"))
                .map(e -> e.data().get("content_block"))
                .toList();
        assertThat(JsonCodec.writeString(starts))
                .isEqualTo("[{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"},"
                        + "{\"type\":\"redacted_thinking\",\"data\":\"enc==\"},"
                        + "{\"type\":\"text\",\"text\":\"\"},"
                        + "{\"type\":\"tool_use\",\"id\":\"toolu_A\",\"name\":\"Read\",\"input\":{}},"
                        + "{\"type\":\"tool_use\",\"id\":\"toolu_B\",\"name\":\"Read\",\"input\":{}}]");
        assertThat(out)
                .anySatisfy(e -> assertThat(e.data().get("delta"))
                        .isEqualTo(Map.of("type", "signature_delta", "signature", "EqQBsig")));
        assertThat(out.get(out.size() - 2).data().get("delta"))
                .isEqualTo(JsonCodec.parse("{\"stop_reason\":\"tool_use\",\"stop_sequence\":null}"));
    }

    @Test
    void eachStopReasonIsRead() {
        for (var pair : List.of(
                Map.entry("end_turn", FinishReason.STOP),
                Map.entry("stop_sequence", FinishReason.STOP),
                Map.entry("pause_turn", FinishReason.STOP),
                Map.entry("max_tokens", FinishReason.LENGTH),
                Map.entry("refusal", FinishReason.CONTENT_FILTER))) {
            try (FakeUpstream one = FakeUpstream.start()) {
                one.on(
                        "POST",
                        "/messages",
                        FakeUpstream.sse()
                                .write(START
                                        + blockStart(0, "{\"type\":\"text\",\"text\":\"\"}")
                                        + delta(0, "{\"type\":\"text_delta\",\"text\":\"x\"}")
                                        + blockStop(0)
                                        + end(pair.getKey(), 3)));
                List<ChatChunk> chunks = drain(anthropic(one));
                assertThat(chunks.get(chunks.size() - 1).finishReason())
                        .as(pair.getKey())
                        .isEqualTo(pair.getValue());
            }
        }
    }

    @Test
    void aToolCallWhoseInputCameWholeInItsStartIsKept() {
        fake.on(
                "POST",
                "/messages",
                FakeUpstream.sse()
                        .write(START
                                + blockStart(
                                        0,
                                        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"ls\",\"input\":{\"dir\":\"/\"}}")
                                + blockStop(0)
                                + end("tool_use", 5)));
        ToolCallAssembler calls = new ToolCallAssembler();
        drain(anthropic(fake)).forEach(c -> calls.add(c.toolCalls()));
        assertThat(calls.calls()).containsExactly(new ToolCall("toolu_1", "ls", "{\"dir\":\"/\"}"));
    }

    @Test
    void anOverloadedErrorMidStreamSaysSo() {
        fake.on(
                "POST",
                "/messages",
                FakeUpstream.sse()
                        .write(
                                START
                                        + blockStart(0, "{\"type\":\"text\",\"text\":\"\"}")
                                        + delta(0, "{\"type\":\"text_delta\",\"text\":\"Hal\"}")
                                        + event(
                                                "error",
                                                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        var stream = anthropic(fake);
        assertThat(stream.next().content()).isEqualTo("Hal");
        assertThatThrownBy(stream::next)
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("overloaded")
                .hasMessageContaining("Overloaded");
    }

    @Test
    void aRateLimitErrorMidStreamIsRateLimited() {
        fake.on(
                "POST",
                "/messages",
                FakeUpstream.sse()
                        .write(
                                START
                                        + event(
                                                "error",
                                                "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Slow down\"}}")));
        assertThatThrownBy(() -> drain(anthropic(fake))).isInstanceOf(ChatException.RateLimited.class);
    }

    @Test
    void aBodyThatEndsBeforeMessageStopIsABrokenStream() {
        fake.on(
                "POST",
                "/messages",
                FakeUpstream.sse()
                        .write(START
                                + blockStart(0, "{\"type\":\"text\",\"text\":\"\"}")
                                + delta(0, "{\"type\":\"text_delta\",\"text\":\"Hal\"}")));
        assertThatThrownBy(() -> drain(anthropic(fake)))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("message_stop");
    }
}
