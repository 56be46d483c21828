package dev.chatd.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chatd.api.ChatException;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.RawUpstream;
import dev.chatd.tck.TestProviderContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
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

    private static final String OK =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";

    /** Answers the first request at once, so the connection is kept, and trickles the second's body. */
    private static RawUpstream.Script okThenTrickling() {
        return connection -> {
            connection.readRequest();
            connection.write(OK);
            connection.readRequest();
            connection.write(HEAD);
            try {
                while (true) {
                    Thread.sleep(200);
                    connection.write("{");
                }
            } catch (IOException e) {
                connection.awaitAndNoteClientClose();
            }
        };
    }

    @Test
    void aBodyTricklingOnAKeptConnectionEndsAtTheDeadline() throws InterruptedException {
        // On a kept connection the exchange runs on the caller's thread: the deadline closes the connection.
        raw = RawUpstream.start(okThenTrickling());
        UpstreamClient client = client(raw.baseUrl(), DEADLINE);
        assertThat(client.postJson("/api/chat", Map.of()).json()).isEqualTo(Map.of("ok", true));

        Duration took = timesOut(() -> client.postJson("/api/chat", Map.of()));

        assertThat(took).isBetween(DEADLINE.minusMillis(100), DEADLINE.plus(LATE));
        assertClosedSoonAfter(Duration.ofSeconds(2));
        assertThat(raw.accepted()).isEqualTo(1);
    }

    @Test
    void headersThenSilenceOnAKeptConnectionEndsAtTheDeadline() throws InterruptedException {
        raw = RawUpstream.start(connection -> {
            connection.readRequest();
            connection.write(OK);
            connection.readRequest();
            connection.write(HEAD + "{\"mess");
            connection.awaitAndNoteClientClose();
        });
        UpstreamClient client = client(raw.baseUrl(), DEADLINE);
        client.postJson("/api/chat", Map.of());

        Duration took = timesOut(() -> client.postJson("/api/chat", Map.of()));

        assertThat(took).isBetween(DEADLINE.minusMillis(100), DEADLINE.plus(LATE));
        assertClosedSoonAfter(Duration.ofSeconds(1));
    }

    @Test
    void aTimedOutExchangeLeavesTheCallersThreadUninterruptedForItsNextRequest() throws Exception {
        // chatd's request threads are virtual and serve request after request.
        raw = RawUpstream.start(okThenTrickling());
        RawUpstream next = RawUpstream.start(RawUpstream.answering(OK));
        try {
            UpstreamClient slow = client(raw.baseUrl(), Duration.ofMillis(800));
            UpstreamClient quick = client(next.baseUrl(), DEADLINE);
            AtomicReference<Object> seen = new AtomicReference<>();
            Thread thread = Thread.ofVirtual().start(() -> {
                slow.postJson("/api/chat", Map.of());
                try {
                    slow.postJson("/api/chat", Map.of());
                    seen.set("no timeout");
                    return;
                } catch (ChatException.UpstreamTimeout expected) {
                    // the deadline passed on the kept connection
                }
                boolean interrupted = Thread.currentThread().isInterrupted();
                try {
                    Thread.sleep(50); // an interrupt left behind would end this at once
                    seen.set(List.of(
                            interrupted, quick.postJson("/api/chat", Map.of()).json()));
                } catch (InterruptedException | RuntimeException e) {
                    seen.set(e);
                }
            });
            thread.join(Duration.ofSeconds(10));

            assertThat(seen.get()).isEqualTo(List.of(false, Map.of("ok", true)));
        } finally {
            next.close();
        }
    }

    @Test
    void aConnectThatNeverCompletesEndsAtTheDeadline() throws Exception {
        // Nobody accepts, and once the backlog is full the kernel drops further SYNs: a connect then waits.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort());
            List<Socket> filling = new ArrayList<>();
            boolean stalled = false;
            try {
                for (int i = 0; i < 16 && !stalled; i++) {
                    Socket socket = new Socket();
                    filling.add(socket);
                    try {
                        socket.connect(address, 300);
                    } catch (SocketTimeoutException e) {
                        stalled = true;
                    }
                }
                assumeTrue(stalled, "this kernel completes connects beyond the backlog");

                Duration took = timesOut(() -> client(URI.create("http://127.0.0.1:" + full.getLocalPort()), DEADLINE)
                        .postJson("/api/chat", Map.of()));

                assertThat(took).isBetween(DEADLINE.minusMillis(100), DEADLINE.plus(LATE));
            } finally {
                for (Socket socket : filling) {
                    socket.close();
                }
            }
        }
    }
}
