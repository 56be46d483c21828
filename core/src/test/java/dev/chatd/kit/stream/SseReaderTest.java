package dev.chatd.kit.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.tck.FakeUpstream;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Server-sent events as any format's stream reader sees them: named, multi-line, comments skipped. */
class SseReaderTest {
    private FakeUpstream fake;

    @BeforeEach
    void start() {
        fake = FakeUpstream.start();
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void eventsComeWithTheirNameAndTheirDataLinesJoined() {
        fake.on(
                "POST",
                "/v1/messages",
                FakeUpstream.sse()
                        .write(": keep-alive\n\n")
                        .write("event: message_start\ndata: {\"a\":1}\n\n")
                        .write("id: 7\nretry: 100\n\n")
                        .write("data: first\r\ndata:second\r\n\r\n")
                        .write("event: message_stop\ndata: {}"));

        try (UpstreamStream body =
                StreamFixture.open(fake, "/v1/messages", Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            SseReader events = new SseReader(body);

            assertThat(events.next()).isEqualTo(new SseReader.Event("message_start", "{\"a\":1}"));
            assertThat(events.next()).isEqualTo(new SseReader.Event(null, "first\nsecond"));
            assertThat(events.next())
                    .as("the last event, cut by the end of the body")
                    .isEqualTo(new SseReader.Event("message_stop", "{}"));
            assertThat(events.next()).isNull();
        }
    }
}
