package dev.chatd.kit.stream;

import static dev.chatd.kit.stream.StreamFixture.drain;
import static dev.chatd.kit.stream.StreamFixture.open;
import static dev.chatd.kit.stream.StreamFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import dev.chatd.api.FinishReason;
import dev.chatd.kit.ollama.OllamaChatStream;
import dev.chatd.kit.openai.OpenAiChatStream;
import dev.chatd.kit.openai.OpenAiChatStreamTest;
import dev.chatd.tck.FakeUpstream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The timeouts of a streamed upstream call (first chunk, silence between chunks, none on the
 * whole) and cancellation by closing the stream, against a fake that stalls or keeps talking.
 */
class StreamTimeoutsAndCancelTest {
    private static final Duration SHORT = Duration.ofMillis(500);
    private static final String LINE = "{\"message\":{\"role\":\"assistant\",\"content\":\"tick \"},\"done\":false}";
    private static final String DONE =
            "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"}";

    private final FakeUpstream fake = FakeUpstream.start();

    @AfterEach
    void stop() {
        fake.close();
    }

    @BeforeAll
    static void warmUp() {
        StreamFixture.warmUp();
    }

    private ChatStream ollama(Duration timeout, Duration idle) {
        return new OllamaChatStream(open(fake, "/api/chat", timeout, idle));
    }

    @Test
    void anUpstreamThatStallsMidStreamTimesOutAfterTheIdleTimeout() {
        fake.on("POST", "/api/chat", FakeUpstream.ndjson().lines(LINE).hang(Duration.ofSeconds(30)));

        try (ChatStream stream = ollama(Duration.ofSeconds(10), SHORT)) {
            assertThat(stream.next().content()).isEqualTo("tick ");
            long start = System.nanoTime();
            assertThatThrownBy(stream::hasNext)
                    .isInstanceOf(ChatException.UpstreamTimeout.class)
                    .hasMessageContaining("stream-idle-timeout-secs");
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isBetween(Duration.ofMillis(450), Duration.ofSeconds(3));
        }
    }

    @Test
    void anUpstreamThatSendsHeadersButNoFirstChunkTimesOutAfterTheCallTimeoutAndIsHungUpOn()
            throws InterruptedException {
        // Silent for a second after its headers, then talking: by then chatd has given up and hung up.
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .pause(Duration.ofSeconds(1))
                        .repeat(LINE + "\n", Duration.ofMillis(100), Duration.ofSeconds(10)));

        long start = System.nanoTime();
        try (ChatStream stream = ollama(SHORT, Duration.ofSeconds(10))) {
            assertThatThrownBy(stream::hasNext)
                    .isInstanceOf(ChatException.UpstreamTimeout.class)
                    .hasMessageContaining("timeout-secs");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(Duration.ofMillis(450), Duration.ofSeconds(3));
        assertThat(fake.awaitClientGone(Duration.ofSeconds(5)))
                .as("the upstream connection was closed")
                .isPositive();
    }

    @Test
    void anUpstreamThatSendsNoHeadersTimesOutAfterTheCallTimeoutAndIsHungUpOn() throws InterruptedException {
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .headersAfter(Duration.ofSeconds(1))
                        .repeat(LINE + "\n", Duration.ofMillis(100), Duration.ofSeconds(10)));

        long start = System.nanoTime();
        assertThatThrownBy(() -> open(fake, "/api/chat", SHORT, Duration.ofSeconds(10)))
                .isInstanceOf(ChatException.UpstreamTimeout.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(Duration.ofMillis(450), Duration.ofSeconds(3));
        assertThat(fake.awaitClientGone(Duration.ofSeconds(5)))
                .as("the upstream connection was closed")
                .isPositive();
    }

    @Test
    void aHealthyStreamMayLastLongerThanEitherTimeout() {
        // Eight chunks 250 ms apart: two seconds in all, four times the call timeout.
        FakeUpstream.StreamScript script = FakeUpstream.ndjson();
        for (int i = 0; i < 8; i++) {
            script.lines(LINE).pause(Duration.ofMillis(250));
        }
        fake.on("POST", "/api/chat", script.lines(DONE));

        List<ChatChunk> chunks = drain(ollama(SHORT, SHORT));

        assertThat(text(chunks)).isEqualTo("tick ".repeat(8));
        assertThat(chunks.get(chunks.size() - 1).finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void closingTheStreamEarlyClosesTheUpstreamConnectionWithinASecond() throws InterruptedException {
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().repeat(LINE + "\n", Duration.ofMillis(100), Duration.ofSeconds(20)));

        ChatStream stream = ollama(Duration.ofSeconds(5), Duration.ofSeconds(5));
        assertThat(stream.next().content()).isEqualTo("tick ");
        assertThat(stream.next().content()).isEqualTo("tick ");
        long closedAt = System.nanoTime();
        stream.close();

        long goneAt = fake.awaitClientGone(Duration.ofSeconds(5));
        assertThat(goneAt).as("the fake saw its client go away").isPositive();
        assertThat(Duration.ofNanos(goneAt - closedAt)).isLessThan(Duration.ofSeconds(1));
        assertThatThrownBy(stream::hasNext)
                .as("a closed stream yields nothing more")
                .isInstanceOf(ChatException.class);
    }

    @Test
    void closingTheOpenAiStreamEarlyClosesTheUpstreamConnectionWithinASecond() throws InterruptedException {
        fake.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .repeat(
                                "data: " + OpenAiChatStreamTest.delta("tick ") + "\n\n",
                                Duration.ofMillis(100),
                                Duration.ofSeconds(20)));

        ChatStream stream =
                new OpenAiChatStream(open(fake, "/chat/completions", Duration.ofSeconds(5), Duration.ofSeconds(5)));
        assertThat(stream.next().content()).isEqualTo("tick ");
        long closedAt = System.nanoTime();
        stream.close();

        long goneAt = fake.awaitClientGone(Duration.ofSeconds(5));
        assertThat(goneAt).as("the fake saw its client go away").isPositive();
        assertThat(Duration.ofNanos(goneAt - closedAt)).isLessThan(Duration.ofSeconds(1));
    }
}
