package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that stop reading hold up nobody else: each stream's keep-alives (and probes) are
 * written by a thread of its own, so one whose socket is full blocks only itself. (Whether a
 * given write finds a socket full depends on the kernel's buffer accounting, so the exact
 * stall of a shared writer is reproduced in {@link EventWriterTest}; this is the same
 * situation end to end.)
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KeepAliveIsolationTest {
    private static final String DONE = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}";
    private static final Duration QUIET = Duration.ofSeconds(6);

    private static String line(String content) {
        return "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":"
                + JsonCodec.writeString(content) + "},\"done\":false}";
    }

    @Test
    void clientsThatStopReadingDoNotDelayTheKeepAlivesOfOthers() throws Exception {
        // Each flooded client gets one event of its own size and then silence: the large ones
        // fill its socket at once, the smaller ones leave the probes and keep-alives to do it.
        List<Integer> sizes = new ArrayList<>();
        for (int size = 1000; size <= 64_000; size *= 2) {
            sizes.add(size);
        }
        CountDownLatch flooded = new CountDownLatch(sizes.size());
        try (FakeUpstream ollama = FakeUpstream.start().on("POST", "/api/chat", (request, exchange, up) -> {
                    String content = request.bodyText().replaceAll("(?s).*\"content\":\"([^\"]*)\".*", "$1");
                    if (content.startsWith("flood ")) {
                        FakeUpstream.ndjson()
                                .lines(line("x".repeat(Integer.parseInt(content.substring(6)))))
                                .then((out, u) -> flooded.countDown())
                                .hang(Duration.ofSeconds(60))
                                .respond(request, exchange, up);
                    } else {
                        FakeUpstream.ndjson()
                                .pause(QUIET)
                                .lines(line("finally"), DONE)
                                .respond(request, exchange, up);
                    }
                });
                RunningChatd chatd = RunningChatd.start(Map.of(
                        "chatd.providers.ollama.base-url", ollama.baseUrl().toString(),
                        "chatd.stream-keepalive-secs", "1",
                        // The smallest send buffer the kernel allows, so a client that does not read fills it fast.
                        "server.connection-options.socket-send-buffer-size", "1"))) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int size : sizes) {
                    Socket client = new Socket();
                    client.setReceiveBufferSize(1);
                    client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), chatd.port()));
                    stalled.add(client);
                    ClientDisconnectTest.post(client, "/chat", request("flood " + size));
                }
                assertThat(flooded.await(20, TimeUnit.SECONDS))
                        .as("every flood was sent")
                        .isTrue();

                List<Long> keepAlives = new ArrayList<>();
                long finishedAt;
                try (Socket reader = new Socket(InetAddress.getLoopbackAddress(), chatd.port())) {
                    ClientDisconnectTest.post(reader, "/chat", request("quiet"));
                    BufferedReader in =
                            new BufferedReader(new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8));
                    String l;
                    while ((l = in.readLine()) != null && !l.contains("finish_reason")) {
                        if (l.equals(": keep-alive")) {
                            keepAlives.add(System.nanoTime());
                        }
                    }
                    finishedAt = System.nanoTime();
                    assertThat(l).as("the quiet stream finished").isNotNull();
                }

                assertThat(keepAlives)
                        .as("keep-alives while the upstream was quiet")
                        .hasSizeGreaterThan(2);
                keepAlives.add(finishedAt);
                long longestGap = 0;
                for (int i = 1; i < keepAlives.size(); i++) {
                    longestGap = Math.max(longestGap, keepAlives.get(i) - keepAlives.get(i - 1));
                }
                assertThat(Duration.ofNanos(longestGap))
                        .as("longest silence on the reading client (keep-alive every 1 s)")
                        .isLessThan(Duration.ofMillis(3500));
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    private static String request(String content) {
        return "{\"model\":\"ollama/llama3.2\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + content + "\"}]}";
    }
}
