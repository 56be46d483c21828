package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.tck.FakeUpstream;
import io.helidon.config.ConfigException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Retries, aliases with fallbacks, the circuit breaker and the concurrency limit, end to end:
 * chatd in process in front of fake Ollama upstreams that fail on cue and count their calls.
 */
class RoutingAroundFailureTest {
    private static final String OPENAI_HELLO = """
            {"model":"%s","messages":[{"role":"user","content":"Hi"}]}""";
    private static final String STREAM_HELLO = """
            {"model":"%s","messages":[{"role":"user","content":"Hi"}],"stream":true}""";
    private static final String OLLAMA_CHUNK =
            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}";
    private static final String OLLAMA_DONE = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\","
            + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}";

    /** Answers with {@code failures} in turn (each once), then with {@code success} for ever; counts every call. */
    static final class OnCue implements FakeUpstream.Responder {
        final AtomicInteger calls = new AtomicInteger();
        private final List<FakeUpstream.Responder> failures;
        private final FakeUpstream.Responder success;

        OnCue(FakeUpstream.Responder success, FakeUpstream.Responder... failures) {
            this.success = success;
            this.failures = List.of(failures);
        }

        @Override
        public void respond(
                FakeUpstream.Recorded request, com.sun.net.httpserver.HttpExchange exchange, FakeUpstream up)
                throws Exception {
            int n = calls.getAndIncrement();
            (n < failures.size() ? failures.get(n) : success).respond(request, exchange, up);
        }
    }

    private static FakeUpstream.Responder status(int status, String... headers) {
        return FakeUpstream.json(status, "{\"error\":\"failing on cue with " + status + "\"}", headers);
    }

    private static FakeUpstream.Responder ok() {
        return FakeUpstream.json(200, TestServer.OLLAMA_REPLY);
    }

    /** chatd whose retries wait a millisecond, so that tests do not. */
    private static TestServer.Builder fastRetries() {
        return TestServer.builder()
                .config("chatd.retry.initial-backoff-ms", "1")
                .config("chatd.retry.max-backoff-ms", "5");
    }

    @Test
    void a503IsRetriedAndTheClientGetsOneReply() {
        OnCue upstream = new OnCue(ok(), status(503), status(503));
        try (TestServer server = fastRetries().start()) {
            server.fake.on("POST", "/api/chat", upstream);

            TestServer.Reply reply = server.post("/v1/chat/completions", OPENAI_HELLO.formatted("ollama/llama3.2"));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(upstream.calls).hasValue(3);
            assertThat(reply.header("x-chatd-provider")).isEqualTo("ollama");
            assertThat(reply.header("x-chatd-model")).isEqualTo("llama3.2");
        }
    }

    @Test
    void aCallerFaultIsNotRetried() {
        OnCue upstream = new OnCue(ok(), status(400));
        try (TestServer server = fastRetries().start()) {
            server.fake.on("POST", "/api/chat", upstream);

            TestServer.Reply reply = server.post("/v1/chat/completions", OPENAI_HELLO.formatted("ollama/llama3.2"));

            assertThat(reply.status()).isEqualTo(400);
            assertThat(upstream.calls).hasValue(1);
        }
    }

    @Test
    void a429IsRetriedWhenItsRetryAfterFitsAndPassedOnWhenNot() {
        try (TestServer server =
                fastRetries().config("chatd.retry.max-backoff-ms", "2000").start()) {
            OnCue soon = new OnCue(ok(), status(429, "Retry-After", "1"));
            server.fake.on("POST", "/api/chat", soon);
            long started = System.nanoTime();
            assertThat(server.post("/v1/chat/completions", OPENAI_HELLO.formatted("ollama/llama3.2"))
                            .status())
                    .isEqualTo(200);
            assertThat(soon.calls).hasValue(2);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));

            OnCue later = new OnCue(ok(), status(429, "Retry-After", "3600"));
            server.fake.on("POST", "/api/chat", later);
            TestServer.Reply reply = server.post("/v1/chat/completions", OPENAI_HELLO.formatted("ollama/llama3.2"));
            assertThat(reply.status()).isEqualTo(429);
            assertThat(reply.header("Retry-After")).isEqualTo("3600");
            assertThat(later.calls).hasValue(1);
        }
    }

    @Test
    void aStreamIsRetriedWhileOpeningButNeverOnceItDeliveredChunks() {
        try (TestServer server = fastRetries().start()) {
            OnCue opening = new OnCue(FakeUpstream.ndjson().lines(OLLAMA_CHUNK, OLLAMA_DONE), status(503));
            server.fake.on("POST", "/api/chat", opening);
            TestServer.Reply opened = server.post("/api/chat", STREAM_HELLO.formatted("ollama/llama3.2"));
            assertThat(opened.status()).isEqualTo(200);
            assertThat(opened.body()).contains("\"done\":true");
            assertThat(opening.calls).hasValue(2);
            assertThat(opened.header("x-chatd-provider")).isEqualTo("ollama");

            OnCue cut = new OnCue(FakeUpstream.ndjson().lines(OLLAMA_CHUNK).cut());
            server.fake.on("POST", "/api/chat", cut);
            TestServer.Reply broken = server.post("/api/chat", STREAM_HELLO.formatted("ollama/llama3.2"));
            assertThat(broken.body()).contains("\"content\":\"Hi\"").contains("error");
            assertThat(cut.calls).hasValue(1);
        }
    }

    @Test
    void anAliasFallsBackInOrderAndTheReplyNamesTheAlias() {
        try (FakeUpstream second = FakeUpstream.start();
                TestServer server = fastRetries()
                        .config("chatd.models.coder.0", "ollama/llama3.2")
                        .config("chatd.models.coder.1", "ollama_cloud/gpt-oss:120b")
                        .config(
                                "chatd.providers.ollama_cloud.base-url",
                                second.baseUrl().toString())
                        .env("OLLAMA_API_KEY", "canary-key-7f3a")
                        .start()) {
            OnCue first = new OnCue(ok(), status(503), status(503), status(503));
            server.fake.on("POST", "/api/chat", first);
            OnCue backup = new OnCue(ok());
            second.on("POST", "/api/chat", backup);

            TestServer.Reply reply = server.post("/v1/chat/completions", OPENAI_HELLO.formatted("coder"));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json()).containsEntry("model", "coder");
            assertThat(reply.header("x-chatd-provider")).isEqualTo("ollama_cloud");
            assertThat(reply.header("x-chatd-model")).isEqualTo("gpt-oss:120b");
            assertThat(first.calls).hasValue(3);
            assertThat(backup.calls).hasValue(1);
            assertThat(second.lastRequest().json()).containsEntry("model", "gpt-oss:120b");
        }
    }

    @Test
    void anAliasSkipsAProviderThatIsNotRegistered() throws InterruptedException {
        // ollama_cloud has no key here: it stays unregistered.
        try (LogCapture log = LogCapture.start();
                TestServer server = fastRetries()
                        .config("chatd.models.coder.0", "ollama_cloud/gpt-oss:120b")
                        .config("chatd.models.coder.1", "ollama/llama3.2")
                        .start()) {
            server.fake.on("POST", "/api/chat", ok());

            TestServer.Reply reply = server.post(
                    "/v1/chat/completions", OPENAI_HELLO.formatted("coder"), "X-Request-Id", "alias-skip-1");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("x-chatd-provider")).isEqualTo("ollama");
            assertThat(AccessLogTest.line(log, "alias-skip-1"))
                    .contains(
                            "model=coder",
                            "provider=ollama",
                            "served_by=ollama/llama3.2",
                            "attempts=1",
                            "fallbacks=ollama_cloud/gpt-oss:120b");
        }
    }

    @Test
    void whenEveryTargetFailsTheClientGetsTheLastError() {
        try (TestServer server = fastRetries()
                .config("chatd.models.coder.0", "ollama_cloud/gpt-oss:120b")
                .config("chatd.models.coder.1", "ollama/llama3.2")
                .start()) {
            server.fake.on("POST", "/api/chat", status(500));

            TestServer.Reply reply = server.post("/v1/chat/completions", OPENAI_HELLO.formatted("coder"));

            assertThat(reply.status()).isEqualTo(502);
            assertThat((String) reply.error().get("message"))
                    .startsWith("all 2 targets of alias 'coder' failed; last: ollama failed with HTTP 500");
        }
    }

    @Test
    void theCircuitOpensFailsFastAndClosesAfterItsCoolDown() throws InterruptedException {
        try (TestServer server = fastRetries()
                .config("chatd.providers.ollama.retry.max-attempts", "1")
                .config("chatd.providers.ollama.circuit-breaker.volume", "2")
                .config("chatd.providers.ollama.circuit-breaker.failure-ratio-percent", "100")
                .config("chatd.providers.ollama.circuit-breaker.open-secs", "1")
                .start()) {
            OnCue upstream = new OnCue(ok(), status(500), status(500));
            server.fake.on("POST", "/api/chat", upstream);
            String hello = OPENAI_HELLO.formatted("ollama/llama3.2");
            assertThat(server.post("/v1/chat/completions", hello).status()).isEqualTo(502);
            assertThat(server.post("/v1/chat/completions", hello).status()).isEqualTo(502);

            TestServer.Reply refused = server.post("/v1/chat/completions", hello);

            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.error()).containsEntry("code", "provider_unavailable");
            assertThat((String) refused.error().get("message")).contains("provider 'ollama'", "tried again");
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(upstream.calls).hasValue(2);
            assertThat(server.chatd.circuitStates()).containsEntry("ollama", "open");

            Thread.sleep(1_500);
            assertThat(server.post("/v1/chat/completions", hello).status()).isEqualTo(200);
            assertThat(upstream.calls).hasValue(3);
            assertThat(server.chatd.circuitStates()).containsEntry("ollama", "closed");
        }
    }

    @Test
    void aProviderAtItsConcurrencyLimitRefusesWith429AndRetryAfter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestServer server = fastRetries()
                .config("chatd.providers.ollama.max-concurrent", "1")
                .config("chatd.providers.ollama.max-queue-wait-ms", "200")
                .start()) {
            server.fake.on(
                    "POST",
                    "/api/chat",
                    FakeUpstream.ndjson()
                            .lines(OLLAMA_CHUNK)
                            .mark("first-chunk")
                            .await(release, Duration.ofSeconds(20))
                            .lines(OLLAMA_DONE));
            CompletableFuture<HttpResponse<String>> held = java.net.http.HttpClient.newHttpClient()
                    .sendAsync(
                            server.request("/api/chat")
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            STREAM_HELLO.formatted("ollama/llama3.2")))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (server.fake.markedAt("first-chunk") < 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }

            assertThat(server.fake.requests()).hasSize(1);
            TestServer.Reply refused = server.post("/v1/chat/completions", OPENAI_HELLO.formatted("ollama/llama3.2"));

            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.error()).containsEntry("code", "rate_limited");
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat((String) refused.error().get("message"))
                    .contains("chatd's own limit of 1 concurrent requests to provider 'ollama'");
            release.countDown();
            assertThat(held.get().statusCode()).isEqualTo(200);
            server.fake.on("POST", "/api/chat", ok());
            assertThat(server.post("/v1/chat/completions", OPENAI_HELLO.formatted("ollama/llama3.2"))
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void aliasesAreListedWithTheModels() {
        try (TestServer server = fastRetries()
                .config("chatd.models.coder.0", "ollama/llama3.2")
                .config("chatd.models.local.0", "ollama/qwen3:8b")
                .start()) {
            server.fake.on("GET", "/api/tags", FakeUpstream.json(200, "{\"models\":[{\"name\":\"llama3.2\"}]}"));

            assertThat(server.get("/v1/models").body())
                    .contains(
                            "\"id\":\"coder\"",
                            "\"id\":\"local\"",
                            "\"owned_by\":\"chatd\"",
                            "\"id\":\"ollama/llama3.2\"");
            assertThat(server.get("/api/tags").body()).contains("\"name\":\"coder\"", "\"name\":\"local\"");
        }
    }

    @Test
    void startUpRefusesAnAliasThatShadowsAProvider() {
        assertThatThrownBy(() -> TestServer.builder()
                        .config("chatd.models.ollama.0", "ollama_cloud/x")
                        .start()
                        .close())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("chatd.models.ollama: an alias cannot be named 'ollama'");
        assertThatThrownBy(() -> TestServer.builder()
                        .config("chatd.models.coder.0", "local")
                        .config("chatd.models.local.0", "ollama/x")
                        .start()
                        .close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("target 'local' is itself an alias");
    }

    @Test
    void noKeyReachesALogLineOrAHeader() {
        try (LogCapture log = LogCapture.start();
                FakeUpstream second = FakeUpstream.start();
                TestServer server = fastRetries()
                        .config("chatd.models.coder.0", "ollama_cloud/gpt-oss:120b")
                        .config(
                                "chatd.providers.ollama_cloud.base-url",
                                second.baseUrl().toString())
                        .env("OLLAMA_API_KEY", "canary-key-7f3a")
                        .start()) {
            second.on("POST", "/api/chat", status(503));
            TestServer.Reply reply = server.post("/v1/chat/completions", OPENAI_HELLO.formatted("coder"));

            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.body()).doesNotContain("canary-key-7f3a");
            assertThat(reply.headers().map().toString()).doesNotContain("canary-key-7f3a");
            assertThat(log.records().stream().map(LogCapture::text))
                    .noneMatch(line -> line.contains("canary-key-7f3a"));
        }
    }

    @Test
    void theServedModelHeaderCannotCarryALineBreakOfTheClients() {
        assertThat(ChatHandler.headerSafe("openai/gpt-4o")).isEqualTo("openai/gpt-4o");
        assertThat(ChatHandler.headerSafe("m\r\nx-forged: 1")).isEqualTo("m%0D%0Ax-forged:%201");
        assertThat(ChatHandler.headerSafe("qwen3:8b é%")).isEqualTo("qwen3:8b%20%C3%A9%25");
    }
}
