package dev.chatd.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.RawUpstream;
import dev.chatd.tck.TestProviderContext;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * {@code timeout-secs} is a deadline for a whole non-streaming call (connecting, the TLS
 * handshake, the headers and the entire body): past it the caller gets a 504 within half a
 * second and the upstream connection is closed. Upstreams that stall at each stage are raw
 * sockets on 127.0.0.1.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UpstreamDeadlineTest {
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    /** The spec's bound on lateness, "within half a second of the deadline". */
    private static final Duration LATE = Duration.ofMillis(500);

    private static final String HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";

    private RawUpstream raw;
    private long failedAt;

    @BeforeAll
    static void warmUp() {
        // Loads the HTTP and TLS classes, so that no test spends its deadline on a cold JVM.
        try (FakeUpstream fake = FakeUpstream.start()) {
            fake.on("GET", "/warm", FakeUpstream.json(200, "{}"));
            client(fake.baseUrl(), DEADLINE).get("/warm", DEADLINE);
        }
        try (RawUpstream tls = RawUpstream.start(connection -> connection.close())) {
            client(tls.httpsUrl(), DEADLINE).get("/warm", DEADLINE);
        } catch (ChatException expected) {
            // no TLS there: only the classes mattered
        }
    }

    @AfterEach
    void stop() {
        if (raw != null) {
            raw.close();
        }
    }

    private static UpstreamClient client(URI baseUrl, Duration timeout) {
        return UpstreamClient.create(TestProviderContext.of("ollama", baseUrl, timeout), true, Map.of());
    }

    /** Runs {@code call}, which must fail as a timeout, and returns how long it took. */
    private Duration timesOut(Executable call) {
        long start = System.nanoTime();
        assertThatThrownBy(call::execute)
                .isInstanceOf(ChatException.UpstreamTimeout.class)
                .hasMessageContaining("ollama");
        failedAt = System.nanoTime();
        return Duration.ofNanos(failedAt - start);
    }

    /** The fake saw chatd hang up at most {@code max} after the caller got its 504. */
    private void assertClosedSoonAfter(Duration max) throws InterruptedException {
        long closedAt = raw.awaitClientClosed(Duration.ofSeconds(5));
        assertThat(closedAt).as("chatd closed the upstream connection").isPositive();
        assertThat(Duration.ofNanos(closedAt - failedAt)).isLessThan(max);
    }

    @Test
    void aBodyTricklingInForeverEndsAtTheDeadline() throws InterruptedException {
        // A byte every 200 ms: each read is quick, so only a deadline on the whole call ends it.
        raw = RawUpstream.start(RawUpstream.trickling(HEAD, "{\"message\":{}}", Duration.ofMillis(200)));

        Duration took = timesOut(() -> client(raw.baseUrl(), DEADLINE).postJson("/api/chat", Map.of()));

        assertThat(took).isBetween(DEADLINE.minusMillis(100), DEADLINE.plus(LATE));
        assertClosedSoonAfter(Duration.ofSeconds(2));
    }

    @Test
    void headersThenSilenceEndsAtTheDeadlineNotTwiceIt() throws InterruptedException {
        raw = RawUpstream.start(connection -> {
            connection.readRequest();
            connection.write(HEAD + "{\"mess");
            connection.awaitAndNoteClientClose();
        });

        Duration took = timesOut(() -> client(raw.baseUrl(), DEADLINE).postJson("/api/chat", Map.of()));

        assertThat(took).isBetween(DEADLINE.minusMillis(100), DEADLINE.plus(LATE));
        assertClosedSoonAfter(Duration.ofSeconds(1));
    }

    @Test
    void aTlsHandshakeThatNeverFinishesEndsAtTheDeadline() throws InterruptedException {
        raw = RawUpstream.start(RawUpstream.stalledHandshake());

        Duration took = timesOut(() -> client(raw.httpsUrl(), DEADLINE).postJson("/api/chat", Map.of()));

        assertThat(took).isBetween(DEADLINE.minusMillis(100), DEADLINE.plus(LATE));
        assertClosedSoonAfter(Duration.ofSeconds(1));
    }

    @Test
    void aGetIsBoundedAsAWhole() throws InterruptedException {
        raw = RawUpstream.start(RawUpstream.trickling(HEAD, "{\"models\":[]}", Duration.ofMillis(200)));
        Duration limit = Duration.ofMillis(1500);

        // The provider's timeout is long; the GET's own limit bounds the whole exchange.
        Duration took =
                timesOut(() -> client(raw.baseUrl(), Duration.ofSeconds(60)).get("/api/tags", limit));

        assertThat(took).isBetween(limit.minusMillis(100), limit.plus(LATE));
        assertClosedSoonAfter(Duration.ofSeconds(2));
    }

    @Test
    void aStreamWhoseTlsHandshakeStallsTimesOutAtTheFirstByteDeadline() throws InterruptedException {
        raw = RawUpstream.start(RawUpstream.stalledHandshake());

        Duration took = timesOut(() -> client(raw.httpsUrl(), DEADLINE)
                .postJsonStreaming("/api/chat", Map.of("stream", true), Duration.ofSeconds(30)));

        assertThat(took).isBetween(DEADLINE.minusMillis(100), DEADLINE.plus(LATE));
        assertClosedSoonAfter(Duration.ofSeconds(1));
    }

    @Test
    void aKeptConnectionStillWorksAfterAnExchangeThatTimedOut() {
        // The timed-out exchange's connection is closed, never handed to the next call.
        raw = RawUpstream.start(connection -> {
            connection.readRequest();
            if (connection.number() == 1) {
                connection.write(HEAD + "{");
                connection.awaitAndNoteClientClose();
                return;
            }
            connection.write(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
            while (connection.readRequest() != null) {
                connection.write(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
            }
        });
        UpstreamClient client = client(raw.baseUrl(), Duration.ofMillis(800));

        timesOut(() -> client.postJson("/api/chat", Map.of()));
        UpstreamReply reply = client.postJson("/api/chat", Map.of());

        assertThat(reply.json()).isEqualTo(Map.of("ok", true));
        assertThat(raw.accepted()).isEqualTo(2);
    }
}
