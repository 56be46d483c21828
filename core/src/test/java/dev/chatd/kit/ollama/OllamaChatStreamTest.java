package dev.chatd.kit.ollama;

import static dev.chatd.kit.stream.StreamFixture.drain;
import static dev.chatd.kit.stream.StreamFixture.ollama;
import static dev.chatd.kit.stream.StreamFixture.reasoning;
import static dev.chatd.kit.stream.StreamFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.stream.ToolCallAssembler;
import dev.chatd.tck.FakeUpstream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ollama's NDJSON {@code /api/chat} stream, read by {@link OllamaChatStream} from a fake Ollama. */
class OllamaChatStreamTest {
    private final FakeUpstream fake = FakeUpstream.start();

    @AfterEach
    void stop() {
        fake.close();
    }

    private static String content(String text) {
        return "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":"
                + JsonCodec.writeString(text) + "},\"done\":false}";
    }

    private static String thinking(String text) {
        return "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":"
                + JsonCodec.writeString(text) + "},\"done\":false}";
    }

    @Test
    void deltasArriveInOrderAndTheDoneLineBringsFinishAndUsage() {
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                thinking("The user greets; "),
                                thinking("greet back."),
                                content("Hel"),
                                content("lo, "),
                                content("world!"),
                                """
                {"model":"llama3.2","message":{"role":"assistant","content":""},"done":true,"done_reason":"length",\
                "total_duration":1200000,"prompt_eval_count":26,"prompt_eval_duration":1,"eval_count":3,"eval_duration":2}"""));

        List<ChatChunk> chunks = drain(ollama(fake));

        assertThat(reasoning(chunks)).isEqualTo("The user greets; greet back.");
        assertThat(text(chunks)).isEqualTo("Hello, world!");
        assertThat(chunks.subList(0, chunks.size() - 1)).noneMatch(ChatChunk::isFinal);
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(last.usage()).isEqualTo(Usage.of(26, 3));
        assertThat(fake.lastRequest().json()).containsEntry("stream", true);
    }

    @Test
    void aCharacterSplitAcrossTwoNetworkChunksArrivesWhole() {
        byte[] line = (content("東京は晴れ 🌤") + "\n").getBytes(StandardCharsets.UTF_8);
        int split = 0;
        while (line[split] != (byte) 0xE6) { // 東 is E6 9D B1: split after its first byte
            split++;
        }
        int cut = split + 1;
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .then((out, up) -> {
                            out.write(line, 0, cut);
                            out.flush();
                        })
                        .pause(Duration.ofMillis(100))
                        .then((out, up) -> {
                            out.write(line, cut, line.length - cut);
                            out.flush();
                        })
                        .lines("{\"done\":true,\"done_reason\":\"stop\"}"));

        assertThat(text(drain(ollama(fake)))).isEqualTo("東京は晴れ 🌤");
    }

    @Test
    void doneWithoutDoneReasonIsStop() {
        // Ollama before 0.1.35 sends no done_reason at all.
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                content("Hi"),
                                "{\"model\":\"llama2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"eval_count\":1}"));

        List<ChatChunk> chunks = drain(ollama(fake));

        assertThat(text(chunks)).isEqualTo("Hi");
        assertThat(chunks.get(chunks.size() - 1).finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(chunks.get(chunks.size() - 1).usage()).isEqualTo(Usage.of(0, 1));
    }

    @Test
    void anErrorLineFailsTheStreamAfterTheTextBeforeIt() {
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                content("Once upon"),
                                "{\"error\":\"an error was encountered while running the model: GGML_ASSERT failed\"}"));

        List<ChatChunk> seen = new ArrayList<>();
        try (ChatStream stream = ollama(fake)) {
            assertThatThrownBy(() -> {
                        while (stream.hasNext()) {
                            seen.add(stream.next());
                        }
                    })
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("GGML_ASSERT failed");
        }
        assertThat(text(seen)).isEqualTo("Once upon");
    }

    @Test
    void aConnectionCutBeforeTheDoneLineIsAnUpstreamFailure() {
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(content("Once upon"), content(" a time"))
                        .cut());

        List<ChatChunk> seen = new ArrayList<>();
        try (ChatStream stream = ollama(fake)) {
            assertThatThrownBy(() -> {
                        while (stream.hasNext()) {
                            seen.add(stream.next());
                        }
                    })
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("closed the connection before the answer was complete");
        }
        assertThat(text(seen)).isEqualTo("Once upon a time");
        assertThat(seen).noneMatch(ChatChunk::isFinal);
    }

    @Test
    void aBodyThatEndsCleanlyBeforeTheDoneLineIsAnUpstreamFailure() {
        fake.on("POST", "/api/chat", FakeUpstream.ndjson().lines(content("Once upon")));

        try (ChatStream stream = ollama(fake)) {
            assertThat(stream.next().content()).isEqualTo("Once upon");
            assertThatThrownBy(stream::hasNext)
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("before its final (done) line");
        }
    }

    @Test
    void toolCallsArriveWholeAndTheFinishIsToolCalls() {
        fake.on("POST", "/api/chat", FakeUpstream.ndjson().lines("""
                {"model":"llama3.2","message":{"role":"assistant","content":"","tool_calls":[\
                {"id":"call_a","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},"done":false}""", """
                {"model":"llama3.2","message":{"role":"assistant","content":"","tool_calls":[\
                {"function":{"name":"get_time","arguments":{"zone":"Asia/Tokyo","format":24}}}]},"done":false}""", """
                {"model":"llama3.2","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",\
                "prompt_eval_count":40,"eval_count":22}"""));

        List<ChatChunk> chunks = drain(ollama(fake));

        ToolCallAssembler calls = new ToolCallAssembler();
        chunks.forEach(c -> calls.add(c.toolCalls()));
        List<ToolCall> assembled = calls.calls();
        assertThat(assembled)
                .extracting(ToolCall::id, ToolCall::name)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("call_a", "get_weather"),
                        org.assertj.core.groups.Tuple.tuple(null, "get_time"));
        assertThat(JsonCodec.parse(assembled.get(0).arguments())).isEqualTo(JsonCodec.parse("{\"city\":\"Tokyo\"}"));
        assertThat(JsonCodec.parse(assembled.get(1).arguments()))
                .isEqualTo(JsonCodec.parse("{\"zone\":\"Asia/Tokyo\",\"format\":24}"));
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(last.usage()).isEqualTo(Usage.of(40, 22));
    }
}
