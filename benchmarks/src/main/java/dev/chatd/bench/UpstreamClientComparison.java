package dev.chatd.bench;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The measurement behind chatd's choice of upstream transport: the JDK's {@code HttpClient}
 * against Helidon's {@code WebClient}, each POSTing a small chat request to the same fast fake
 * upstream from 1 and from 16 virtual threads, three rounds, interleaved.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.chatd.bench.UpstreamClientComparison http://127.0.0.1:PORT/chat/completions</pre>
 */
public final class UpstreamClientComparison {
    private static final byte[] BODY = ("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + "a".repeat(100) + "\"}],\"temperature\":0.2}")
            .getBytes(StandardCharsets.UTF_8);

    private UpstreamClientComparison() {}

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        HttpClient jdk = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        WebClient helidon =
                WebClient.builder().baseUri(uri.resolve("/").toString()).build();
        for (int round = 1; round <= 3; round++) {
            for (int threads : new int[] {1, 16}) {
                double jdkRate = run(threads, () -> {
                    HttpRequest request = HttpRequest.newBuilder(uri)
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(10))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(BODY))
                            .build();
                    jdk.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                            .get(10, TimeUnit.SECONDS);
                });
                double helidonRate = run(threads, () -> {
                    try (HttpClientResponse response = helidon.post(uri.getPath())
                            .header(HeaderNames.CONTENT_TYPE, "application/json")
                            .submit(BODY)) {
                        response.inputStream().readAllBytes();
                    }
                });
                System.out.printf(
                        "round %d, %2d threads: JDK HttpClient %8.0f req/s   Helidon WebClient %8.0f req/s%n",
                        round, threads, jdkRate, helidonRate);
            }
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static double run(int threads, Call call) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                executor.submit(() -> {
                    while (System.nanoTime() < end) {
                        call.run();
                        done.incrementAndGet();
                    }
                    return null;
                });
            }
        }
        return done.get() / 3.0;
    }
}
