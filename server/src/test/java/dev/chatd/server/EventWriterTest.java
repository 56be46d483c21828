package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.server.ingress.Framing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The writer's heartbeat: its own thread per stream, probes while silent, nothing after the last line. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventWriterTest {
    private static final Duration KEEP_ALIVE = Duration.ofMillis(300);
    private static final Duration PROBE = Duration.ofMillis(100);

    /** Records what is written to it and when. */
    private static final class Recording extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Long> flushes = new CopyOnWriteArrayList<>();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {
            flushes.add(System.nanoTime());
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** A client that stopped reading: every write after the first blocks until released. */
    private static final class Stuck extends OutputStream {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (writes.incrementAndGet() > 3) {
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
            }
        }
    }

    @Test
    void aWriterBlockedOnAClientThatStoppedReadingDelaysNoOtherWriter() throws Exception {
        Stuck stuck = new Stuck();
        Recording live = new Recording();
        EventWriter blocked = new EventWriter(stuck, Framing.SSE, KEEP_ALIVE, PROBE, () -> {});
        EventWriter reading = new EventWriter(live, Framing.SSE, KEEP_ALIVE, PROBE, () -> {});
        try {
            blocked.data(Map.of("content", "a flood the client never reads"));
            reading.data(Map.of("content", "hello"));
            assertThat(stuck.blocked.await(5, TimeUnit.SECONDS))
                    .as("the first writer's heartbeat blocked")
                    .isTrue();
            long from = System.nanoTime();
            Thread.sleep(2000);

            List<Long> flushes = live.flushes.stream().filter(t -> t > from).toList();
            assertThat(flushes)
                    .as("heartbeats to the reading client while the other is blocked")
                    .hasSizeGreaterThan(8);
            long longestGap = 0;
            for (int i = 1; i < flushes.size(); i++) {
                longestGap = Math.max(longestGap, flushes.get(i) - flushes.get(i - 1));
            }
            assertThat(Duration.ofNanos(longestGap)).isLessThan(Duration.ofMillis(800));
            assertThat(live.text()).contains(": keep-alive\n\n", ":\n\n");
        } finally {
            stuck.release.countDown();
            blocked.close();
            reading.close();
        }
    }

    @Test
    void ndjsonProbesAreSpacesBeforeALineAndStopWithTheLastOne() throws Exception {
        Recording out = new Recording();
        EventWriter writer = new EventWriter(out, Framing.NDJSON, Duration.ZERO, PROBE, () -> {});
        writer.data(Map.of("n", 1));
        Thread.sleep(450);
        writer.data(Map.of("n", 2));
        writer.complete();
        Thread.sleep(450);
        writer.close();

        assertThat(out.text()).matches("\\{\"n\":1}\n {2,6}\\{\"n\":2}\n");
    }

    @Test
    void aFailedProbeCancelsTheUpstreamOnce() throws Exception {
        AtomicInteger cancelled = new AtomicInteger();
        CountDownLatch gone = new CountDownLatch(1);
        OutputStream reset = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Connection reset by peer");
            }
        };
        EventWriter writer = new EventWriter(reset, Framing.SSE, KEEP_ALIVE, PROBE, () -> {
            cancelled.incrementAndGet();
            gone.countDown();
        });

        assertThat(gone.await(2, TimeUnit.SECONDS))
                .as("the silent stream's probe noticed")
                .isTrue();
        assertThat(writer.isBroken()).isTrue();
        Thread.sleep(300);
        assertThat(cancelled).hasValue(1);
        writer.close();
    }
}
