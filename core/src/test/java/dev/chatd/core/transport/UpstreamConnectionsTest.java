package dev.chatd.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.tck.RawUpstream;
import dev.chatd.tck.TestProviderContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transport's connections: kept alive and reused, at most so many idle per host, closed
 * once idle too long, never reused after a reply that ended with the connection, retried once
 * when a kept one turns out closed; and what a failure to connect says.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UpstreamConnectionsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String OK =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";

    private HelidonTransport transport = HelidonTransport.create(HelidonTransport.Settings.DEFAULTS);
    private RawUpstream raw;

    @AfterEach
    void stop() {
        if (raw != null) {
            raw.close();
        }
        transport.close();
    }

    private UpstreamClient client(URI baseUrl) {
        return UpstreamClient.create(
                TestProviderContext.of("ollama", baseUrl, TIMEOUT).withTransport(transport), true, Map.of());
    }

    private UpstreamClient client() {
        return client(raw.baseUrl());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, Duration max)
            throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
    }

    @Test
    void callsOneAfterAnotherShareOneKeptConnection() {
        raw = RawUpstream.start(RawUpstream.answering(OK));

        for (int i = 0; i < 5; i++) {
            assertThat(client().postJson("/api/chat", Map.of()).json()).isEqualTo(Map.of("ok", true));
        }

        assertThat(raw.accepted()).isEqualTo(1);
        assertThat(transport.idleConnections()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/1.0 200 OK\r\n", "HTTP/1.1 200 OK\r\nConnection: close\r\n"})
    void aReplyThatEndsWithTheConnectionIsReadWholeAndTheConnectionNotKept(String statusAndConnection) {
        raw = RawUpstream.start(RawUpstream.answeringOnceAndClosing(statusAndConnection
                + "Content-Type: application/json\r\n\r\n{\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}"));

        for (int i = 0; i < 3; i++) {
            UpstreamReply reply = client().postJson("/api/chat", Map.of());
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json()).isEqualTo(Map.of("message", Map.of("role", "assistant", "content", "hi")));
        }

        assertThat(raw.accepted()).isEqualTo(3);
        assertThat(transport.idleConnections()).isZero();
    }

    @Test
    void streamsReadToTheirEndShareOneKeptConnectionAndTheFirstLineComesWithTheHeaders() {
        // The head and the first line in one write, the rest only once the reader has that line:
        // the body is read as it arrives, on the reader's thread, and the connection is kept after.
        raw = RawUpstream.start(connection -> {
            for (int i = 0; i < 3; i++) {
                connection.readRequest();
                connection.write(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n"
                                + "\r\n8\r\n{\"n\":1}\n\r\n");
                Thread.sleep(300);
                connection.write("8\r\n{\"n\":2}\n\r\n0\r\n\r\n");
            }
        });

        for (int i = 0; i < 3; i++) {
            try (UpstreamStream stream = client().postJsonStreaming("/api/chat", Map.of(), TIMEOUT)) {
                long start = System.nanoTime();
                assertThat(stream.nextLine()).isEqualTo("{\"n\":1}");
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("the first line did not wait for the next write")
                        .isLessThan(Duration.ofMillis(200));
                assertThat(stream.nextLine()).isEqualTo("{\"n\":2}");
                assertThat(stream.nextLine()).isNull();
            }
        }

        assertThat(raw.accepted()).isEqualTo(1);
        assertThat(transport.idleConnections()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/1.0 200 OK\r\n", "HTTP/1.1 200 OK\r\nConnection: close\r\n"})
    void aStreamThatEndsWithTheConnectionEndsCleanly(String statusAndConnection) {
        raw = RawUpstream.start(connection -> {
            connection.readRequest();
            connection.write(statusAndConnection + "Content-Type: application/x-ndjson\r\n\r\n");
            connection.write("{\"n\":1}\n");
            Thread.sleep(50);
            connection.write("{\"n\":2}\n{\"n\":3}");
        });

        List<String> lines = new ArrayList<>();
        try (UpstreamStream stream = client().postJsonStreaming("/api/chat", Map.of(), TIMEOUT)) {
            String line;
            while ((line = stream.nextLine()) != null) {
                lines.add(line);
            }
        }

        assertThat(lines).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
    }

    @Test
    void anHttp10ReplyWithALengthIsNotKeptEither() {
        // HTTP/1.0 means the server closes after the reply; this one takes its time to.
        raw = RawUpstream.start(connection -> {
            connection.readRequest();
            connection.write(OK.replace("HTTP/1.1", "HTTP/1.0"));
            connection.awaitClientClose(Duration.ofSeconds(5));
        });

        assertThat(client().postJson("/api/chat", Map.of()).json()).isEqualTo(Map.of("ok", true));
        assertThat(client().postJson("/api/chat", Map.of()).json()).isEqualTo(Map.of("ok", true));

        assertThat(raw.accepted()).isEqualTo(2);
    }

    @Test
    void aKeptConnectionTheUpstreamClosedMeanwhileIsRetriedOnceOnANewOne() {
        // Answers as if keeping the connection, then closes it: the next call finds it dead.
        raw = RawUpstream.start(RawUpstream.answeringOnceAndClosing(OK));

        assertThat(client().postJson("/api/chat", Map.of()).json()).isEqualTo(Map.of("ok", true));
        assertThat(client().postJson("/api/chat", Map.of()).json()).isEqualTo(Map.of("ok", true));
        assertThat(client().postJson("/api/chat", Map.of()).json()).isEqualTo(Map.of("ok", true));

        assertThat(raw.accepted()).isEqualTo(3);
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeout() throws InterruptedException {
        transport.close();
        transport = HelidonTransport.create(new HelidonTransport.Settings(1 << 20, 1 << 20, 64, Duration.ofSeconds(1)));
        raw = RawUpstream.start(connection -> {
            while (connection.readRequest() != null) {
                connection.write(OK);
            }
            connection.awaitAndNoteClientClose(); // the read above returned null: the client closed
        });

        client().postJson("/api/chat", Map.of());
        long idleFrom = System.nanoTime();
        assertThat(transport.idleConnections()).isEqualTo(1);

        long closedAt = raw.awaitClientClosed(Duration.ofSeconds(10));
        assertThat(closedAt).as("the idle connection was closed").isPositive();
        assertThat(Duration.ofNanos(closedAt - idleFrom)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
        assertThat(transport.idleConnections()).isZero();
    }

    @Test
    void atMostMaxConnectionsPerHostStayIdleAfterABurst() throws Exception {
        transport.close();
        transport = HelidonTransport.create(new HelidonTransport.Settings(1 << 20, 1 << 20, 2, Duration.ofSeconds(30)));
        int calls = 6;
        CountDownLatch allArrived = new CountDownLatch(calls);
        raw = RawUpstream.start(connection -> {
            while (connection.readRequest() != null) {
                allArrived.countDown();
                allArrived.await(10, TimeUnit.SECONDS); // every call holds its connection at once
                connection.write(OK);
            }
        });

        List<CompletableFuture<UpstreamReply>> replies = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            replies.add(CompletableFuture.supplyAsync(() -> client().postJson("/api/chat", Map.of())));
        }
        for (CompletableFuture<UpstreamReply> reply : replies) {
            assertThat(reply.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        }

        assertThat(raw.accepted()).isEqualTo(calls);
        assertThat(transport.idleConnections()).isEqualTo(2);
        waitFor(() -> raw.open() == 2, Duration.ofSeconds(5));
        assertThat(raw.open())
                .as("connections beyond the pool's size were closed")
                .isEqualTo(2);
    }

    @Test
    void closingTheTransportClosesItsIdleConnections() throws InterruptedException {
        raw = RawUpstream.start(RawUpstream.answering(OK));
        client().postJson("/api/chat", Map.of());
        assertThat(raw.open()).isEqualTo(1);

        transport.close();

        waitFor(() -> raw.open() == 0, Duration.ofSeconds(5));
        assertThat(raw.open()).isZero();
        assertThatThrownBy(() -> client().postJson("/api/chat", Map.of())).isInstanceOf(ChatException.class);
    }

    @Test
    void aHostNameThatDoesNotResolveSaysSo() {
        // .invalid never resolves (RFC 6761).
        UpstreamClient client = client(URI.create("http://no-such-upstream.invalid:11434"));

        assertThatThrownBy(() -> client.postJson("/api/chat", Map.of()))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("cannot reach ollama at http://no-such-upstream.invalid:11434")
                .hasMessageContaining("'no-such-upstream.invalid' could not be resolved")
                .hasMessageNotContaining("closed or reset");
    }

    @Test
    void aRefusedConnectionSaysRefused() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }

        assertThatThrownBy(() -> client(URI.create("http://127.0.0.1:" + port)).postJson("/api/chat", Map.of()))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("cannot reach ollama at http://127.0.0.1:" + port + " (connection refused)")
                .hasMessageNotContaining("resolved");
    }
}
