package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inbound connections are bounded: stalled headers and bodies are dropped after
 * {@code chatd.client-read-timeout-secs} (a stalled body with a 408), idle connections close
 * after {@code chatd.client-idle-timeout-secs}, {@code Connection: close} is honoured, and a
 * flood of stalled connections does not slow anyone else. Raw sockets on 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InboundConnectionsTest {
    /**
     * Timeouts far apart, so that a test can tell which one closed a connection. Helidon checks
     * idle connections every second against a clock that ticks by the second, so an idle
     * connection closes between about 5 and 7 s.
     */
    private static final String READ_SECS = "1";

    private static final String IDLE_SECS = "6";

    private static TestServer start() {
        TestServer server = TestServer.builder()
                .config("chatd.client-read-timeout-secs", READ_SECS)
                .config("chatd.client-idle-timeout-secs", IDLE_SECS)
                .start();
        server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
        return server;
    }

    /**
     * Large bodies arrive in large reads: the listening socket, whose receive buffer every
     * accepted connection inherits, asks for 256 KiB. Helidon's default is 4 KiB, with which a
     * 64 KiB body arrived in sixteen pieces, each waiting for a window update to reach the
     * client. The kernel caps what is asked at {@code net.core.rmem_max} (212,992 bytes on many
     * distributions) and reports twice what it granted ({@code rb} of {@code ss -m}).
     */
    @Test
    void theListeningSocketHasRoomForALargeBody() throws IOException {
        long asked = ChatdServer.LISTENER_RECEIVE_BUFFER;
        Path max = Path.of("/proc/sys/net/core/rmem_max");
        long granted = Files.isReadable(max)
                ? Math.min(asked, Long.parseLong(Files.readAllLines(max).get(0).strip()))
                : asked;
        try (TestServer server = start()) {
            assertThat(listenerReceiveBuffer(server.chatd.port())).isEqualTo(2 * granted);
        }
        assertThat(2 * granted).as("far more than Helidon's 4 KiB").isGreaterThan(64 * 1024);
    }

    @Test
    void theListenersReceiveBufferIsTheConfiguredOne() {
        try (TestServer server = TestServer.builder()
                .config("server.connection-options.socket-receive-buffer-size", "32768")
                .start()) {
            assertThat(listenerReceiveBuffer(server.chatd.port())).isEqualTo(2 * 32768);
        }
    }

    /** The receive buffer the kernel gave the socket listening on {@code port}, from iproute2's {@code ss}. */
    private static long listenerReceiveBuffer(int port) {
        String out;
        try {
            Process ss = new ProcessBuilder("ss", "-ltmnH", "sport = :" + port)
                    .redirectErrorStream(true)
                    .start();
            out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            ss.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            Assumptions.abort("needs ss (Debian package iproute2) to read the socket's buffer from the kernel: " + e);
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Matcher rb = Pattern.compile("\\brb(\\d+)").matcher(out);
        assertThat(rb.find()).as("ss -ltmn for port %d: %s", port, out).isTrue();
        return Long.parseLong(rb.group(1));
    }

    @Test
    void headersThatStopArrivingAreDroppedAfterTheReadTimeout() {
        try (TestServer server = start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            long sent = System.nanoTime();
            client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: app");

            assertThat(client.awaitClose(Duration.ofSeconds(4)))
                    .as("closed well before the idle timeout")
                    .isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/chat", "/v1/chat/completions", "/api/chat"})
    void aBodyShorterThanItsLengthIs408JsonAfterTheReadTimeoutAndTheConnectionCloses(String path) {
        try (LogCapture log = LogCapture.start();
                TestServer server = start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            long sent = System.nanoTime();
            client.send(RawClient.head("POST", path, "Content-Type: application/json", "Content-Length: 500")
                    + "{\"model\":\"ollama/llama3.2\",");

            RawClient.Response reply = client.read(Duration.ofSeconds(4));

            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            assertThat(reply.status()).as(reply.toString()).isEqualTo(408);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            assertThat(ClientErrorsTest.errorType(path, 408, reply.body())).isIn("request_timeout", null);
            assertThat(reply.body()).contains("client-read-timeout-secs");
            assertThat(reply.header("Connection")).isEqualTo("close");
            assertThat(client.awaitClose(Duration.ofSeconds(2)))
                    .as("the rest of the body is not read as a request")
                    .isTrue();
            assertThat(server.fake.requests()).isEmpty();
            assertThat(log.records())
                    .allSatisfy(r ->
                            assertThat(r.getThrown()).as(LogCapture.text(r)).isNull());
            assertThat(log.records())
                    .filteredOn(r -> LogCapture.text(r).contains("status=408")
                            && LogCapture.text(r).contains("outcome=request_timeout"))
                    .hasSize(1);
        }
    }

    @Test
    void aClientThatLeavesMidBodyIsOneLogLineWithoutAStackTrace() throws Exception {
        try (LogCapture log = LogCapture.start();
                TestServer server = start()) {
            try (RawClient client = RawClient.connect(server.chatd.port())) {
                client.send(RawClient.head("POST", "/chat", "Content-Type: application/json", "Content-Length: 500")
                        + "{\"model\":");
                Thread.sleep(200);
            }
            Thread.sleep(500);

            assertThat(server.get("/health").status()).isEqualTo(200);
            assertThat(log.records())
                    .allSatisfy(r ->
                            assertThat(r.getThrown()).as(LogCapture.text(r)).isNull());
            assertThat(log.records())
                    .filteredOn(r -> LogCapture.text(r).startsWith("access")
                            && LogCapture.text(r).contains("path=/chat")
                            && LogCapture.text(r).contains("client went away"))
                    .hasSize(1);
        }
    }

    @Test
    void anIdleKeptAliveConnectionClosesAfterTheIdleTimeoutNotTheReadTimeout() {
        try (TestServer server = start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            client.send(RawClient.head("GET", "/health"));
            assertThat(client.read(Duration.ofSeconds(5)).status()).isEqualTo(200);
            long answered = System.nanoTime();

            assertThat(client.awaitClose(Duration.ofMillis(2500)))
                    .as("still open past the read timeout")
                    .isFalse();
            assertThat(client.awaitClose(Duration.ofSeconds(9)))
                    .as("closed after the idle timeout")
                    .isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - answered)).isGreaterThanOrEqualTo(Duration.ofMillis(4500));
        }
    }

    @Test
    void aNewConnectionWaitingForItsFirstRequestIsIdleNotStalled() {
        try (TestServer server = start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            assertThat(client.awaitClose(Duration.ofMillis(2500)))
                    .as("still open past the read timeout")
                    .isFalse();
            assertThat(client.awaitClose(Duration.ofSeconds(9)))
                    .as("closed after the idle timeout")
                    .isTrue();
        }
    }

    @Test
    void aKeptAliveConnectionServesRequestsAfterAPauseLongerThanTheReadTimeout() throws Exception {
        try (TestServer server = start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            byte[] hello = TestServer.HELLO.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 2; i++) {
                client.send(RawClient.head(
                                "POST", "/chat", "Content-Type: application/json", "Content-Length: " + hello.length)
                        + TestServer.HELLO);
                assertThat(client.read(Duration.ofSeconds(5)).status()).isEqualTo(200);
                Thread.sleep(1500);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void connectionCloseFromTheClientClosesTheConnectionAfterTheReply(boolean stream) {
        try (TestServer server = start();
                RawClient client = RawClient.connect(server.chatd.port())) {
            server.fake.on(
                    "POST",
                    "/api/chat",
                    stream
                            ? FakeUpstream.ndjson()
                                    .lines(
                                            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}",
                                            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"lo\"},\"done\":true,"
                                                    + "\"done_reason\":\"stop\",\"prompt_eval_count\":3,\"eval_count\":2}")
                            : json(200, TestServer.OLLAMA_REPLY));
            byte[] body = ("{\"model\":\"ollama/llama3.2\",\"stream\":" + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            client.send(RawClient.head(
                    "POST",
                    "/chat",
                    "Content-Type: application/json",
                    "Connection: close",
                    "Content-Length: " + body.length));
            client.send(body);

            RawClient.Response reply = client.read(Duration.ofSeconds(5));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.body()).contains(stream ? "lo" : "Hello!");
            assertThat(client.awaitClose(Duration.ofSeconds(3)))
                    .as("chatd closed it, well before the idle timeout")
                    .isTrue();
        }
    }

    @Test
    void aFloodOfStalledConnectionsLeavesHealthAndChatFastAndIsDropped() throws Exception {
        try (TestServer server = TestServer.builder()
                .config("chatd.client-read-timeout-secs", "2")
                .start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
            List<RawClient> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    flood.add(RawClient.connect(server.chatd.port())
                            .send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Ag"));
                }
                // The first request on a client warms chatd and the fake; then time one of each.
                assertThat(server.post("/chat", TestServer.HELLO).status()).isEqualTo(200);

                long start = System.nanoTime();
                assertThat(server.get("/health").status()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
                start = System.nanoTime();
                assertThat(server.post("/chat", TestServer.HELLO).status()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

                for (RawClient stalled : flood) {
                    assertThat(stalled.awaitClose(Duration.ofSeconds(10)))
                            .as("every stalled connection is dropped")
                            .isTrue();
                }
            } finally {
                flood.forEach(RawClient::close);
            }
        }
    }
}
