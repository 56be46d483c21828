package dev.chatd.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.tck.RawUpstream;
import dev.chatd.tck.TestProviderContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
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
 * Upstream replies are bounded: a non-streaming body by {@code chatd.max-reply-bytes} (checked
 * against Content-Length before a byte of it is read, and while reading chunked or
 * close-delimited bodies), a stream line by {@code chatd.max-stream-line-bytes}, and all replies
 * in flight together by the transport's budget.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UpstreamReplyLimitsTest {
    private static final int MAX_REPLY = 64 * 1024;
    private static final int MAX_LINE = 4 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HelidonTransport transport =
            HelidonTransport.create(new HelidonTransport.Settings(MAX_REPLY, MAX_LINE, 8, Duration.ofSeconds(30)));
    private RawUpstream raw;

    @AfterEach
    void stop() {
        if (raw != null) {
            raw.close();
        }
        transport.close();
    }

    private UpstreamClient client(HelidonTransport transport) {
        return UpstreamClient.create(
                TestProviderContext.of("ollama", raw.baseUrl(), TIMEOUT).withTransport(transport), true, Map.of());
    }

    private UpstreamClient client() {
        return client(transport);
    }

    private static byte[] filled(int size, char c) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) c);
        return bytes;
    }

    private static void failsNamingTheReplyCap(ThrowingCall call) {
        assertThatThrownBy(call::run)
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("ollama sent a reply larger than " + MAX_REPLY + " bytes")
                .hasMessageContaining("chatd.max-reply-bytes");
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void aContentLengthOverTheCapFailsBeforeAByteOfTheBodyIsRead() throws InterruptedException {
        // 2 GiB announced, nothing sent: reading would wait for the timeout, checking the length does not.
        raw = RawUpstream.start(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n");
            connection.awaitAndNoteClientClose();
        });

        long start = System.nanoTime();
        failsNamingTheReplyCap(() -> client().postJson("/api/chat", Map.of()));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(raw.awaitClientClosed(Duration.ofSeconds(5)))
                .as("the connection was closed")
                .isPositive();
        assertThat(transport.budget().used()).isZero();
    }

    @Test
    void anEndlessBodyInOneHugeChunkFailsAtTheCap() throws InterruptedException {
        // Helidon's client buffers a whole chunk before handing out a byte of it: only the
        // connection's own count stops this one.
        raw = RawUpstream.start(RawUpstream.endless(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n",
                filled(8192, 'a')));

        failsNamingTheReplyCap(() -> client().postJson("/api/chat", Map.of()));

        assertThat(raw.awaitClientClosed(Duration.ofSeconds(5)))
                .as("the connection was closed")
                .isPositive();
        assertThat(transport.budget().used()).isZero();
    }

    @Test
    void anEndlessBodyOfSmallChunksFailsAtTheCap() throws InterruptedException {
        byte[] chunk = ("1000\r\n" + "a".repeat(4096) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        raw = RawUpstream.start(RawUpstream.endless(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", chunk));

        failsNamingTheReplyCap(() -> client().postJson("/api/chat", Map.of()));

        assertThat(raw.awaitClientClosed(Duration.ofSeconds(5)))
                .as("the connection was closed")
                .isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/1.0 200 OK\r\n", "HTTP/1.1 200 OK\r\nConnection: close\r\n"})
    void anEndlessCloseDelimitedBodyFailsAtTheCap(String statusAndConnection) throws InterruptedException {
        raw = RawUpstream.start(
                RawUpstream.endless(statusAndConnection + "Content-Type: application/json\r\n\r\n", filled(8192, 'a')));

        failsNamingTheReplyCap(() -> client().get("/api/tags", TIMEOUT));

        assertThat(raw.awaitClientClosed(Duration.ofSeconds(5)))
                .as("the connection was closed")
                .isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"content-length", "chunked", "close-delimited"})
    void aReplyOfExactlyTheCapIsReadWholeAndOneByteMoreIsNot(String framing) {
        raw = RawUpstream.start(connection -> {
            String request;
            while ((request = connection.readRequest()) != null) {
                int size = request.startsWith("GET /more") ? MAX_REPLY + 1 : MAX_REPLY;
                String body = "\"" + "x".repeat(size - 2) + "\"";
                switch (framing) {
                    case "content-length" ->
                        connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n" + body);
                    case "chunked" ->
                        connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + Integer.toHexString(size / 2) + "\r\n" + body.substring(0, size / 2) + "\r\n"
                                + Integer.toHexString(size - size / 2) + "\r\n" + body.substring(size / 2)
                                + "\r\n0\r\n\r\n");
                    default -> {
                        connection.write("HTTP/1.0 200 OK\r\n\r\n" + body);
                        return;
                    }
                }
            }
        });

        UpstreamReply reply = client().get("/exact", TIMEOUT);

        assertThat(reply.body()).hasSize(MAX_REPLY);
        assertThat((String) reply.json()).hasSize(MAX_REPLY - 2);
        failsNamingTheReplyCap(() -> client().get("/more", TIMEOUT));
        assertThat(transport.budget().used()).isZero();
    }

    @Test
    void aStreamLineLongerThanItsCapFailsNamingTheCap() {
        String ok = "{\"message\":{\"content\":\"" + "x".repeat(MAX_LINE - 30) + "\"}}";
        raw = RawUpstream.start(connection -> {
            connection.readRequest();
            connection.write(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n");
            String lines = ok + "\n" + "y".repeat(MAX_LINE + 1) + "\n";
            connection.write(Integer.toHexString(lines.length()) + "\r\n" + lines + "\r\n");
            connection.awaitAndNoteClientClose();
        });

        try (UpstreamStream stream = client().postJsonStreaming("/api/chat", Map.of(), TIMEOUT)) {
            assertThat(stream.nextLine()).isEqualTo(ok);
            assertThatThrownBy(stream::nextLine)
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("ollama sent a line longer than " + MAX_LINE + " bytes")
                    .hasMessageContaining("chatd.max-stream-line-bytes");
        }
        assertThat(transport.budget().used()).isZero();
    }

    @Test
    void aStreamThatAnnouncesAHugeChunkFailsAtTheLineCap() {
        raw = RawUpstream.start(RawUpstream.endless(
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n",
                filled(8192, 'a')));

        try (UpstreamStream stream = client().postJsonStreaming("/api/chat", Map.of(), TIMEOUT)) {
            assertThatThrownBy(stream::nextLine)
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("chatd.max-stream-line-bytes");
        }
    }

    @Test
    void repliesBeyondTheSharedBudgetFailFastAndTheBudgetComesBack() throws Exception {
        // Room for one 60 KiB reply at a time.
        HelidonTransport small = HelidonTransport.create(
                new HelidonTransport.Settings(MAX_REPLY, MAX_LINE, 8, Duration.ofSeconds(30)), 100 * 1024);
        CountDownLatch firstIsReading = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        String body = "\"" + "x".repeat(60 * 1024 - 2) + "\"";
        raw = RawUpstream.start(connection -> {
            while (true) {
                String request = connection.readRequest();
                if (request == null) {
                    return;
                }
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n");
                if (request.startsWith("GET /slow")) {
                    connection.write(body.substring(0, 10));
                    firstIsReading.countDown();
                    releaseFirst.await(20, TimeUnit.SECONDS);
                    connection.write(body.substring(10));
                } else {
                    connection.write(body);
                }
            }
        });
        try (small) {
            UpstreamClient client = client(small);
            CompletableFuture<UpstreamReply> first = CompletableFuture.supplyAsync(() -> client.get("/slow", TIMEOUT));
            assertThat(firstIsReading.await(10, TimeUnit.SECONDS)).isTrue();

            long start = System.nanoTime();
            assertThatThrownBy(() -> client.get("/fast", TIMEOUT))
                    .isInstanceOf(ChatException.UpstreamFailure.class)
                    .hasMessageContaining("chatd is already holding")
                    .hasMessageContaining("chatd.max-reply-bytes");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));

            releaseFirst.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).body()).hasSize(body.length());
            assertThat(small.budget().used()).isZero();
            assertThat(client.get("/fast", TIMEOUT).body()).hasSize(body.length());
        }
    }
}
