package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A shutdown in process: new requests are refused with a 503 in their ingress's envelope while
 * the requests in flight get their grace, and a request that outlasts it gets a 503 too. The
 * streams and the exit status are proven against the real process in {@link GracefulShutdownIT}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownTest {

    @Test
    void newRequestsAreRefusedWhileOneInFlightGetsItsGraceThenA503() throws Exception {
        try (TestServer server =
                TestServer.builder().config("chatd.shutdown-grace-secs", "2").start()) {
            server.fake.on("POST", "/api/chat", FakeUpstream.hanging());
            CompletableFuture<TestServer.Reply> inFlight = CompletableFuture.supplyAsync(
                    () -> server.post("/chat", TestServer.HELLO, "X-Request-Id", "in-flight-1"));
            awaitRequests(server.fake, 1);

            long started = System.nanoTime();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(server.chatd::shutdown);
            Thread.sleep(300);

            TestServer.Reply refused = server.post("/v1/chat/completions", TestServer.HELLO);
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.error()).containsEntry("code", "shutting_down").containsEntry("type", "api_error");
            assertThat(refused.header("Connection")).isEqualTo("close");
            TestServer.Reply health = server.get("/health");
            assertThat(health.status()).as("readiness fails while draining").isEqualTo(503);
            assertThat(health.errorType()).isEqualTo("shutting_down");
            assertThat(inFlight).as("the request in flight is still running").isNotDone();

            TestServer.Reply ended = inFlight.get(10, TimeUnit.SECONDS);
            long endedAfter = System.nanoTime() - started;
            assertThat(ended.status()).isEqualTo(503);
            assertThat(ended.errorType()).isEqualTo("shutting_down");
            assertThat(ended.errorMessage()).contains("chatd.shutdown-grace-secs");
            assertThat(ended.error()).containsEntry("request_id", "in-flight-1");
            assertThat(Duration.ofNanos(endedAfter)).isBetween(Duration.ofMillis(1800), Duration.ofSeconds(6));
            stopped.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRequestThatFinishesWithinTheGraceIsAnsweredAndTheShutdownEndsAtOnce() throws Exception {
        try (TestServer server =
                TestServer.builder().config("chatd.shutdown-grace-secs", "30").start()) {
            server.fake.on("POST", "/api/chat", (request, exchange, up) -> {
                Thread.sleep(1000);
                FakeUpstream.send(exchange, 200, "application/json", TestServer.OLLAMA_REPLY);
            });
            CompletableFuture<TestServer.Reply> inFlight =
                    CompletableFuture.supplyAsync(() -> server.post("/chat", TestServer.HELLO));
            awaitRequests(server.fake, 1);

            long started = System.nanoTime();
            server.chatd.shutdown();
            long took = System.nanoTime() - started;

            TestServer.Reply reply = inFlight.get(5, TimeUnit.SECONDS);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json()).containsEntry("finish_reason", "stop");
            assertThat(Duration.ofNanos(took))
                    .as("no waiting once nothing is in flight")
                    .isLessThan(Duration.ofSeconds(5));
        }
    }

    private static void awaitRequests(FakeUpstream fake, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fake.requests().size() < count) {
            assertThat(System.nanoTime()).as("the upstream got the request").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
