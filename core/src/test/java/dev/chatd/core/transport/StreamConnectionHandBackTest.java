package dev.chatd.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatException;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.tck.RawUpstream;
import dev.chatd.tck.TestProviderContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A streamed reply's connection goes back to the pool only when its body was read to the end
 * on the reading thread and nobody closed the stream meanwhile. Streams one after another on
 * one kept connection, some read to the end, some closed early, some closed from another
 * thread just as the reader reaches the end (a client gone, a shutdown): every next request
 * gets its own whole reply, never a connection closed under it or holding the last reply's bytes.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StreamConnectionHandBackTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern NUMBER = Pattern.compile("\"n\":(\\d+)");

    private final HelidonTransport transport = HelidonTransport.create(HelidonTransport.Settings.DEFAULTS);
    private RawUpstream raw;

    @AfterEach
    void stop() {
        if (raw != null) {
            raw.close();
        }
        transport.close();
    }

    /** Each reply echoes its request's number; the end of the body comes in three late writes. */
    private static void serve(RawUpstream.Connection connection) throws Exception {
        String request;
        while ((request = connection.readRequest()) != null) {
            Matcher m = NUMBER.matcher(request);
            String n = m.find() ? m.group(1) : "?";
            String line = "{\"n\":" + n + "}\n";
            connection.write(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(line.length()) + "\r\n" + line + "\r\n");
            connection.write(Integer.toHexString(line.length()) + "\r\n" + line + "\r\n");
            connection.write("0\r\n");
            connection.write("\r\n");
        }
    }

    @Test
    void aConnectionIsKeptOnlyAfterABodyReadToItsEndThatNobodyClosed() throws Exception {
        raw = RawUpstream.start(StreamConnectionHandBackTest::serve);
        UpstreamClient client = UpstreamClient.create(
                TestProviderContext.of("ollama", raw.baseUrl(), TIMEOUT).withTransport(transport), true, Map.of());
        int closedEarly = 0;
        for (int i = 0; i < 600; i++) {
            String own = "{\"n\":" + i + "}";
            UpstreamStream stream = client.postJsonStreaming("/api/chat", Map.of("n", i), TIMEOUT);
            assertThat(stream.nextLine()).as("request %d got its own reply", i).isEqualTo(own);
            switch (i % 3) {
                case 0 -> { // read to the end
                    assertThat(stream.nextLine()).isEqualTo(own);
                    assertThat(stream.nextLine()).isNull();
                    stream.close();
                }
                case 1 -> { // closed early, on the reading thread
                    stream.close();
                    closedEarly++;
                }
                default -> { // closed from another thread as the reader reaches the end
                    CountDownLatch go = new CountDownLatch(1);
                    boolean spin = ((i / 3) & 1) == 0;
                    Thread closer = Thread.ofVirtual().start(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        if (spin) {
                            Thread.onSpinWait();
                        }
                        stream.close();
                    });
                    go.countDown();
                    try {
                        assertThat(stream.nextLine()).isEqualTo(own);
                        assertThat(stream.nextLine()).isNull();
                    } catch (ChatException.UpstreamFailure e) {
                        assertThat(e).hasMessageContaining("closed by chatd"); // the close came first
                    }
                    closer.join();
                    stream.close();
                }
            }
        }
        // Reuse still works: far fewer connections than streams (every early close costs one).
        assertThat(raw.accepted()).isLessThanOrEqualTo(closedEarly + 200 + 1);
    }
}
