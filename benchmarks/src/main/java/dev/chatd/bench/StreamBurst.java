package dev.chatd.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A burst of concurrent streams, then the time the gateway takes to go quiet: STREAMS
 * connections, each on its own virtual thread, all released at once, each sending one streamed
 * chat request ({@code Connection: close}) and reading the reply to its end. A stream counts as
 * served when the status is 200 and its body ends with the OpenAI format's {@code [DONE]}; anything
 * else (another status, a reset, a stream cut short, no end within 60 s) is an error. Then it
 * samples the gateway's CPU (utime + stime of {@code /proc/PID/stat}) once a second for IDLE_SECS
 * seconds.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.chatd.bench.StreamBurst PID URL BODY_FILE STREAMS IDLE_SECS</pre>
 *
 * Prints {@code burst streams=N ok=N errors=N ms=N}, then one line {@code idle} with the CPU of
 * each second after the burst in percent of one core, then {@code quiet_after_s=N}: the first
 * second from which every later sample is under 2% of a core (a sample's unit is a 10 ms clock tick, 1%; an idle JVM's own
 * housekeeping, monitor deflation and the like, takes a tick now and then) ({@code -1} when none is).
 */
public final class StreamBurst {
    private static final double QUIET_PERCENT = 2.0;

    private StreamBurst() {}

    public static void main(String[] args) throws Exception {
        long pid = Long.parseLong(args[0]);
        URI url = URI.create(args[1]);
        byte[] body = Files.readAllBytes(Path.of(args[2]));
        int streams = Integer.parseInt(args[3]);
        int idleSeconds = Integer.parseInt(args[4]);
        byte[] request = (("POST " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                        + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
                        + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(streams);
        for (int i = 0; i < streams; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    if (stream(url, request, body)) {
                        ok.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                    }
                } catch (IOException | InterruptedException | RuntimeException e) {
                    errors.incrementAndGet();
                } finally {
                    done.countDown();
                }
            });
        }
        long t0 = System.nanoTime();
        start.countDown();
        done.await();
        long burstMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("burst streams=%d ok=%d errors=%d ms=%d%n", streams, ok.get(), errors.get(), burstMillis);

        double hz = 100; // USER_HZ: 100 on every Linux this runs on
        double[] percent = new double[idleSeconds];
        long before = cpuTicks(pid);
        long next = System.nanoTime();
        for (int s = 0; s < idleSeconds; s++) {
            next += 1_000_000_000L;
            Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
            long now = cpuTicks(pid);
            percent[s] = (now - before) / hz * 100;
            before = now;
        }
        StringBuilder line = new StringBuilder("idle");
        int quietAfter = -1;
        for (int s = idleSeconds - 1; s >= 0 && percent[s] < QUIET_PERCENT; s--) {
            quietAfter = s;
        }
        for (double p : percent) {
            line.append(' ').append(Math.round(p));
        }
        System.out.println(line);
        System.out.println("quiet_after_s=" + quietAfter);
    }

    private static boolean stream(URI url, byte[] request, byte[] body) throws IOException {
        try (Socket socket = new Socket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readAllBytes();
            String text = new String(reply, StandardCharsets.ISO_8859_1);
            return text.startsWith("HTTP/1.1 200") && text.contains("data: [DONE]");
        }
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
    }
}
