package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thousand streams open at once on one chatd, each relaying a few chunks from a fake Ollama.
 * The fake holds every stream open until it has seen all of them, so that the heap and RSS
 * measured then are those of a thousand concurrent streams. Prints one line for the README.
 */
@Tag("load")
class ConcurrentStreamsLoadTest {
    private static final int STREAMS = 1_000;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aThousandConcurrentStreamsAllComplete() throws Exception {
        CountDownLatch allOpen = new CountDownLatch(STREAMS);
        CountDownLatch measured = new CountDownLatch(1);
        String content =
                "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"%s\"},\"done\":false}";
        FakeUpstream.StreamScript answer = FakeUpstream.ndjson()
                .lines(content.formatted("one "))
                .then((out, up) -> {
                    allOpen.countDown();
                    measured.await(60, TimeUnit.SECONDS);
                })
                .lines(content.formatted("two "))
                .pause(Duration.ofMillis(50))
                .lines(content.formatted("three"))
                .pause(Duration.ofMillis(50))
                .lines("{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}");

        try (FakeUpstream ollama = FakeUpstream.start().on("POST", "/api/chat", answer);
                RunningChatd chatd = RunningChatd.start(Map.of(
                        "chatd.providers.ollama.base-url", ollama.baseUrl().toString()));
                HttpClient client = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .executor(Executors.newVirtualThreadPerTaskExecutor())
                        .build();
                ExecutorService streams = Executors.newVirtualThreadPerTaskExecutor()) {
            long start = System.nanoTime();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger ok = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                done.add(streams.submit(() -> {
                    try {
                        HttpResponse<Stream<String>> reply = client.send(
                                chatd.chatRequest(RunningChatd.streamRequest("llama3.2")),
                                HttpResponse.BodyHandlers.ofLines());
                        try (SseReader events = new SseReader(reply)) {
                            check(events, failures, ok);
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }));
            }

            boolean allOpenAtOnce = allOpen.await(60, TimeUnit.SECONDS);
            System.gc();
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            long heapUsedMb = memory.getHeapMemoryUsage().getUsed() / (1024 * 1024);
            long rssMb = rssKb() / 1024;
            measured.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            System.out.printf(
                    "STREAMS-%d: ok=%d heap_used_mb=%d rss_mb=%d seconds=%.1f"
                            + " (in-process: chatd + fake Ollama + client; heap after GC and RSS with all %d streams open)%n",
                    STREAMS, ok.get(), heapUsedMb, rssMb, seconds, STREAMS);
            assertThat(allOpenAtOnce)
                    .as("all %d streams were open at once (%d never reached the upstream)", STREAMS, allOpen.getCount())
                    .isTrue();
            assertThat(failures).as("failed streams").isEmpty();
            assertThat(ok.get()).isEqualTo(STREAMS);
        }
    }

    private static void check(SseReader events, ConcurrentLinkedQueue<String> failures, AtomicInteger ok) {
        if (events.status() != 200) {
            failures.add("HTTP " + events.status() + ": " + events.remainingText());
            return;
        }
        StringBuilder text = new StringBuilder();
        SseReader.Event last = null;
        for (SseReader.Event e : events.rest()) {
            if (e.isError()) {
                failures.add("error event: " + e.data());
                return;
            }
            if (e.delta().get("content") instanceof String s) {
                text.append(s);
            }
            last = e;
        }
        if (!"one two three".contentEquals(text)
                || last == null
                || !"stop".equals(last.json().get("finish_reason"))) {
            failures.add("incomplete stream: text '" + text + "', last "
                    + (last == null ? null : JsonCodec.writeString(last.json())));
            return;
        }
        ok.incrementAndGet();
    }

    /** The resident set size of this process, from {@code /proc/self/status}; -1 where there is none. */
    private static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
