package dev.chatd.kit.openai;

import static dev.chatd.kit.stream.StreamFixture.drain;
import static dev.chatd.kit.stream.StreamFixture.openAi;
import static dev.chatd.kit.stream.StreamFixture.reasoning;
import static dev.chatd.kit.stream.StreamFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCall;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.stream.ToolCallAssembler;
import dev.chatd.tck.FakeUpstream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** OpenAI-format server-sent events, with every provider's quirk, read by {@link OpenAiChatStream} from a fake. */
public class OpenAiChatStreamTest {
    private final FakeUpstream fake = FakeUpstream.start();

    @AfterEach
    void stop() {
        fake.close();
    }

    public static String delta(String content) {
        return "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
                + JsonCodec.writeString(content)
                + "},\"finish_reason\":null}]}";
    }

    static String finish(String reason) {
        return "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + reason + "\"}]}";
    }

    @Test
    void commentLinesAreSkippedEvenBeforeTheFirstData() {
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .write(": OPENROUTER PROCESSING\n\n")
                        .write(": OPENROUTER PROCESSING\n\n")
                        .events(delta("Hel"))
                        .write(": OPENROUTER PROCESSING\n\n")
                        .events(delta("lo"), finish("stop"))
                        .done());

        List<ChatChunk> chunks = drain(openAi(fake));

        assertThat(text(chunks)).isEqualTo("Hello");
        assertThat(chunks.get(chunks.size() - 1).finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(chunks).filteredOn(ChatChunk::isFinal).hasSize(1);
    }

    @Test
    void dataSplitOverSeveralLinesIsOneEvent() {
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .write("data: {\"choices\":[{\"index\":0,\n")
                        .write("data: \"delta\":{\"content\":\"multi-line\"}}]}\n\n")
                        .write("event: message\r\ndata: " + delta(" and CRLF") + "\r\n\r\n")
                        .events(finish("stop"))
                        .done());

        assertThat(text(drain(openAi(fake)))).isEqualTo("multi-line and CRLF");
    }

    @Test
    void dataAfterDoneIsIgnoredButItsUsageIsKept() {
        // OpenCode Zen appends a cost chunk after the upstream's [DONE] (its hook puts the cost in usage).
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                delta("Hello"),
                                finish("stop"),
                                "{\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}")
                        .done()
                        .events(
                                delta(" NOT PART OF THE ANSWER"),
                                "{\"choices\":[],\"usage\":{\"cost\":\"0.00001234\"}}"));

        List<ChatChunk> chunks = drain(openAi(fake));

        assertThat(text(chunks)).isEqualTo("Hello");
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(last.usage()).isEqualTo(new Usage(9, 2, 11, new BigDecimal("0.00001234")));
    }

    static Stream<Arguments> usagePlacements() {
        return Stream.of(
                Arguments.of(
                        "in a choices:[] chunk (stream_options.include_usage)",
                        List.of(
                                finish("stop"),
                                "{\"id\":\"gen-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}"),
                        new Usage(12, 5, 17, null)),
                Arguments.of(
                        "beside an empty-delta choice, with OpenRouter's cost",
                        List.of(
                                "{\"id\":\"gen-1\",\"provider\":\"OpenAI\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
                                        + "\"finish_reason\":\"stop\",\"native_finish_reason\":\"stop\"}],"
                                        + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17,\"cost\":0.000123}}"),
                        new Usage(12, 5, 17, new BigDecimal("0.000123"))));
    }

    @ParameterizedTest(name = "usage {0}")
    @MethodSource("usagePlacements")
    void usageIsFoundWhereverTheUpstreamPutsIt(String where, List<String> tail, Usage expected) {
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(delta("Hi"))
                        .events(tail.toArray(String[]::new))
                        .done());

        List<ChatChunk> chunks = drain(openAi(fake));

        assertThat(text(chunks)).isEqualTo("Hi");
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(last.usage()).isEqualTo(expected);
    }

    @Test
    void reasoningContentIsAReasoningDelta() {
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"Think \"}}]}",
                                "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"first.\"}}]}",
                                delta("Answer."),
                                finish("stop"))
                        .done());

        List<ChatChunk> chunks = drain(openAi(fake));

        assertThat(reasoning(chunks)).isEqualTo("Think first.");
        assertThat(text(chunks)).isEqualTo("Answer.");
    }

    static Stream<Arguments> errorEvents() {
        return Stream.of(
                Arguments.of(
                        "OpenAI",
                        "{\"error\":{\"message\":\"The server had an error while processing your request.\","
                                + "\"type\":\"server_error\",\"param\":null,\"code\":null}}",
                        "The server had an error"),
                Arguments.of(
                        "OpenRouter",
                        "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                                + "\"model\":\"openai/gpt-4o\",\"provider\":\"OpenAI\",\"error\":{\"code\":502,"
                                + "\"message\":\"Provider disconnected unexpectedly\"},\"choices\":[{\"index\":0,"
                                + "\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}",
                        "Provider disconnected unexpectedly"));
    }

    @ParameterizedTest(name = "{0} error event")
    @MethodSource("errorEvents")
    void aTopLevelErrorEventFailsTheStream(String upstream, String errorEvent, String message) {
        fake.on("POST", "/chat/completions", FakeUpstream.sse().events(delta("Once upon"), errorEvent));

        List<ChatChunk> seen = new ArrayList<>();
        try (ChatStream stream = openAi(fake)) {
            assertThatThrownBy(() -> {
                        while (stream.hasNext()) {
                            seen.add(stream.next());
                        }
                    })
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining(message);
        }
        assertThat(text(seen)).isEqualTo("Once upon");
        assertThat(seen).noneMatch(ChatChunk::isFinal);
    }

    @Test
    void toolCallDeltasAreAssembledByIndex() {
        // Two parallel calls: id and name first, then argument fragments, interleaved.
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                                        + "{\"index\":0,\"id\":\"call_w\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}",
                                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}}]}",
                                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
                                        + "{\"index\":1,\"id\":\"call_t\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}}]}",
                                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\": \\\"Tokyo\\\"}\"}}]}}]}",
                                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]}}]}",
                                finish("tool_calls"))
                        .done());

        List<ChatChunk> chunks = drain(openAi(fake));

        List<ToolCallDelta> first = chunks.get(0).toolCalls();
        assertThat(first).containsExactly(new ToolCallDelta(0, "call_w", "get_weather", ""));
        ToolCallAssembler assembler = new ToolCallAssembler();
        chunks.forEach(c -> assembler.add(c.toolCalls()));
        assertThat(assembler.calls())
                .containsExactly(
                        new ToolCall("call_w", "get_weather", "{\"city\": \"Tokyo\"}"),
                        new ToolCall("call_t", "get_time", "{}"));
        assertThat(chunks.get(chunks.size() - 1).finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    }

    @Test
    void aStreamThatEndsWithoutDoneOrFinishIsAnUpstreamFailure() {
        fake.on("POST", "/chat/completions", FakeUpstream.sse().events(delta("Once upon")));

        try (ChatStream stream = openAi(fake)) {
            assertThat(stream.next().content()).isEqualTo("Once upon");
            assertThatThrownBy(stream::hasNext)
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("before it was complete");
        }
    }

    @Test
    void aConnectionCutMidStreamIsAnUpstreamFailure() {
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse().events(delta("Once upon"), delta(" a time")).cut());

        List<ChatChunk> seen = new ArrayList<>();
        try (ChatStream stream = openAi(fake)) {
            assertThatThrownBy(() -> {
                        while (stream.hasNext()) {
                            seen.add(stream.next());
                        }
                    })
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("closed the connection before the answer was complete");
        }
        assertThat(text(seen)).isEqualTo("Once upon a time");
    }
}
