package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Idle means idle: after a burst of a thousand concurrent streams, each on its own upstream
 * connection, chatd keeps at most {@code chatd.upstream.max-connections-per-host} of them,
 * spends next to no CPU on them, and closes them once they have been idle for
 * {@code chatd.upstream.idle-timeout-secs}. Helidon's own connection cache kept 800 and more,
 * each polled ten times a second by a thread of its own, for minutes.
 */
@Tag("load")
class IdleAfterBurstTest {
    private static final int STREAMS = 1_000;
    private static final int MAX_PER_HOST = 64;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(5);
    /** The window starts a few seconds after the burst, once the JIT has caught up. */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    private static final Duration WINDOW = Duration.ofSeconds(5);

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void afterAThousandStreamsCpuIsBackNearZeroAndIdleConnectionsGo() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux's /proc/net/tcp");
        CountDownLatch allOpen = new CountDownLatch(STREAMS);
        String line = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"%s\"},\"done\":false}";
        FakeUpstream.StreamScript answer = FakeUpstream.ndjson()
                .lines(line.formatted("one "))
                .then((out, up) -> {
                    // Every stream holds its upstream connection at once: a thousand connections.
                    allOpen.countDown();
                    allOpen.await(60, TimeUnit.SECONDS);
                })
                .lines(line.formatted("two"))
                .lines("{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":2}");

        try (FakeUpstream ollama = FakeUpstream.start().on("POST", "/api/chat", answer);
                RunningChatd chatd = RunningChatd.start(Map.of(
                        "chatd.providers.ollama.base-url", ollama.baseUrl().toString(),
                        "chatd.upstream.max-connections-per-host", String.valueOf(MAX_PER_HOST),
                        "chatd.upstream.idle-timeout-secs", String.valueOf(IDLE_TIMEOUT.toSeconds())))) {
            int upstreamPort = ollama.baseUrl().getPort();
            List<String> failures = burst(chatd);
            long burstEnd = System.nanoTime();
            assertThat(failures).as("failed streams").isEmpty();

            sleepUntil(burstEnd + SETTLE.toNanos());
            int keptAfterBurst = establishedTo(upstreamPort);
            long cpuBefore = processCpuNanos();
            long windowStart = System.nanoTime();
            sleepUntil(windowStart + WINDOW.toNanos());
            double cores = (processCpuNanos() - cpuBefore) / (double) (System.nanoTime() - windowStart);
            sleepUntil(burstEnd + IDLE_TIMEOUT.plusSeconds(4).toNanos());
            int keptLater = establishedTo(upstreamPort);

            System.out.printf(
                    Locale.ROOT,
                    "IDLE-AFTER-BURST: streams=%d upstream_connections_kept=%d cpu_cores=%.3f"
                            + " (from %d s to %d s after the burst, whole test JVM) upstream_connections_after_idle_timeout=%d%n",
                    STREAMS,
                    keptAfterBurst,
                    cores,
                    SETTLE.toSeconds(),
                    SETTLE.plus(WINDOW).toSeconds(),
                    keptLater);
            assertThat(keptAfterBurst)
                    .as("idle upstream connections kept after the burst")
                    .isLessThanOrEqualTo(MAX_PER_HOST);
            assertThat(cores).as("CPU used while idle, in cores").isLessThan(0.10);
            assertThat(keptLater)
                    .as("upstream connections left after the idle timeout")
                    .isZero();
        }
    }

    /** A thousand streams at once, each read to its end; the failures, if any. */
    private static List<String> burst(RunningChatd chatd) throws Exception {
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (HttpClient client = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .executor(Executors.newVirtualThreadPerTaskExecutor())
                        .build();
                ExecutorService streams = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                done.add(streams.submit(() -> {
                    try {
                        HttpResponse<Stream<String>> reply = client.send(
                                chatd.chatRequest(RunningChatd.streamRequest("llama3.2")),
                                HttpResponse.BodyHandlers.ofLines());
                        try (SseReader events = new SseReader(reply)) {
                            if (events.status() != 200 || events.rest().stream().anyMatch(SseReader.Event::isError)) {
                                failures.add("HTTP " + events.status());
                            }
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(90, TimeUnit.SECONDS);
            }
        } // closing the client closes its connections to chatd: only the upstream side stays
        return failures;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Established TCP connections from this process to {@code port} on loopback, from /proc/net/tcp and tcp6. */
    static int establishedTo(int port) throws java.io.IOException {
        String remotePort = String.format(Locale.ROOT, ":%04X", port);
        int count = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.isReadable(path)) {
                continue;
            }
            for (String row : Files.readAllLines(path)) {
                String[] f = row.trim().split("\\s+");
                // sl local_address rem_address st ...; st 01 is ESTABLISHED
                if (f.length > 3 && f[2].endsWith(remotePort) && f[3].equals("01")) {
                    count++;
                }
            }
        }
        return count;
    }
}
