package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code /observe/health} and {@code /observe/metrics} after known traffic through a fake
 * upstream. Helidon's registry is the JVM's, shared with other tests' servers: each test names
 * its own models, and compares counters not keyed by model before and after.
 */
class ObservabilityTest {
    private static final String OPENAI = "chatd_ingress=\"openai-chat\"";
    private static final String OLLAMA = "gen_ai_provider_name=\"ollama\"";
    private static final String OK = "http_response_status_code=\"200\"";
    private static final String ANONYMOUS = "chatd_client=\"anonymous\"";

    private static String model(String what) {
        return "ollama/" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    private static String ollamaLine(String fields) {
        return "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\"," + fields + "},\"done\":false}";
    }

    private static final String OLLAMA_DONE =
            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                    + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":30,\"eval_count\":12}";

    @Test
    void knownTrafficShowsInTheConventionsNamesBucketsAndLabels() {
        try (TestServer server = TestServer.start()) {
            Scrape before = Scrape.of(server);
            String whole = model("whole");
            String sse = model("sse");
            String ndjson = model("ndjson");
            String failing = model("failing");

            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
            assertThat(server.post("/v1/chat/completions", chat(whole, false)).status())
                    .isEqualTo(200);
            server.fake.on(
                    "POST",
                    "/api/chat",
                    FakeUpstream.ndjson()
                            .lines(ollamaLine("\"content\":\"Hel\""), ollamaLine("\"content\":\"lo\""), OLLAMA_DONE));
            TestServer.Reply streamed = server.post("/v1/chat/completions", chat(sse, true));
            assertThat(streamed.body()).contains("Hel", "[DONE]");
            assertThat(server.post("/api/chat", chat(ndjson, true)).status()).isEqualTo(200);
            server.fake.on("POST", "/api/chat", json(500, "{\"error\":\"boom\"}"));
            assertThat(server.post("/v1/chat/completions", chat(failing, false)).status())
                    .isGreaterThanOrEqualTo(500);
            assertThat(server.post(
                                    "/chat",
                                    "{\"model\":\"mock/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                            .status())
                    .isEqualTo(200);

            Scrape after = Scrape.of(server);
            String m = "gen_ai_request_model=\"" + whole + "\"";
            // The conventions' explicit boundaries, exactly, for every histogram.
            assertThat(after.les("gen_ai_server_request_duration_seconds_bucket", m))
                    .containsExactly(
                            "0.01", "0.02", "0.04", "0.08", "0.16", "0.32", "0.64", "1.28", "2.56", "5.12", "10.24",
                            "20.48", "40.96", "81.92", "+Inf");
            assertThat(after.les("gen_ai_client_token_usage_bucket", m, "gen_ai_token_type=\"input\""))
                    .containsExactly(
                            "1.0",
                            "4.0",
                            "16.0",
                            "64.0",
                            "256.0",
                            "1024.0",
                            "4096.0",
                            "16384.0",
                            "65536.0",
                            "262144.0",
                            "1048576.0",
                            "4194304.0",
                            "1.6777216E7",
                            "6.7108864E7",
                            "+Inf");
            assertThat(after.sum(
                            "gen_ai_server_request_duration_seconds_count",
                            m,
                            OLLAMA,
                            "gen_ai_operation_name=\"chat\""))
                    .isEqualTo(1);
            assertThat(after.sum("gen_ai_client_token_usage_sum", m, "gen_ai_token_type=\"input\""))
                    .isEqualTo(26);
            assertThat(after.sum("gen_ai_client_token_usage_sum", m, "gen_ai_token_type=\"output\""))
                    .isEqualTo(298);
            assertThat(after.series("gen_ai_server_request_duration_seconds_count", m))
                    .singleElement()
                    .asString()
                    .contains("error_type=\"\"");

            // Streams: time to first token, tokens from the last chunk.
            String s = "gen_ai_request_model=\"" + sse + "\"";
            assertThat(after.les("gen_ai_server_time_to_first_token_seconds_bucket", s))
                    .containsExactly(
                            "0.001", "0.005", "0.01", "0.02", "0.04", "0.06", "0.08", "0.1", "0.25", "0.5", "0.75",
                            "1.0", "2.5", "5.0", "7.5", "10.0", "+Inf");
            assertThat(after.sum("gen_ai_server_time_to_first_token_seconds_count", s))
                    .isEqualTo(1);
            assertThat(after.sum("gen_ai_server_time_to_first_token_seconds_sum", s))
                    .isPositive()
                    .isLessThanOrEqualTo(after.sum("gen_ai_server_request_duration_seconds_sum", s));
            assertThat(after.sum("gen_ai_client_token_usage_sum", s, "gen_ai_token_type=\"input\""))
                    .isEqualTo(30);
            String n = "gen_ai_request_model=\"" + ndjson + "\"";
            assertThat(after.sum("gen_ai_server_time_to_first_token_seconds_count", n))
                    .isEqualTo(1);
            assertThat(after.sum("gen_ai_client_token_usage_sum", n, "gen_ai_token_type=\"output\""))
                    .isEqualTo(12);

            // A failure carries error.type, and has no time to first token.
            String f = "gen_ai_request_model=\"" + failing + "\"";
            assertThat(after.series("gen_ai_server_request_duration_seconds_count", f))
                    .singleElement()
                    .asString()
                    .contains("error_type=\"upstream_error\"");
            assertThat(after.sum("gen_ai_server_time_to_first_token_seconds_count", f))
                    .isZero();

            // chatd's own: requests by ingress, provider, status and client; streams; circuits.
            assertThat(after.delta(before, "chatd_requests_total", OPENAI, OLLAMA, OK, ANONYMOUS))
                    .isEqualTo(2);
            assertThat(after.delta(before, "chatd_requests_total", "chatd_ingress=\"ollama\"", OLLAMA, OK))
                    .isEqualTo(1);
            assertThat(after.delta(
                            before,
                            "chatd_requests_total",
                            "chatd_ingress=\"native\"",
                            "gen_ai_provider_name=\"mock\"",
                            OK))
                    .isEqualTo(1);
            assertThat(after.sum("chatd_streams_active")).isZero();
            assertThat(after.sum("chatd_circuit_state", OLLAMA)).isZero();

            // Overhead: one observation per chat request, and less than the requests took in all.
            double requests = after.delta(before, "chatd_requests_total", OPENAI, OLLAMA);
            assertThat(requests).isEqualTo(3);
            assertThat(after.delta(before, "chatd_overhead_seconds_count", OPENAI, OLLAMA))
                    .isEqualTo(requests);
            double total = after.sum("gen_ai_server_request_duration_seconds_sum", m)
                    + after.sum("gen_ai_server_request_duration_seconds_sum", s)
                    + after.sum("gen_ai_server_request_duration_seconds_sum", f);
            assertThat(after.delta(before, "chatd_overhead_seconds_sum", OPENAI, OLLAMA))
                    .isPositive()
                    .isLessThan(total);
            assertThat(after.les("chatd_overhead_seconds_bucket", OPENAI, OLLAMA))
                    .contains("5.0E-5", "1.0", "+Inf");
        }
    }

    @Test
    void theOverheadLeavesOutTheUpstreamsTime() {
        try (TestServer server = TestServer.start()) {
            String slow = model("slow");
            server.fake.on("POST", "/api/chat", (request, exchange, upstream) -> {
                Thread.sleep(400);
                FakeUpstream.send(exchange, 200, "application/json", TestServer.OLLAMA_REPLY);
            });
            Scrape before = Scrape.of(server);
            assertThat(server.post("/v1/chat/completions", chat(slow, false)).status())
                    .isEqualTo(200);
            Scrape after = Scrape.of(server);

            assertTheUpstreamsTimeIsNotOverhead(before, after, slow, "the 400 ms the upstream took");
        }
    }

    /** The request took over the upstream's 400 ms, and chatd's overhead left them out. */
    private static void assertTheUpstreamsTimeIsNotOverhead(Scrape before, Scrape after, String model, String wait) {
        String m = "gen_ai_request_model=\"" + model + "\"";
        assertThat(after.sum("gen_ai_server_request_duration_seconds_sum", m)).isGreaterThan(0.4);
        assertThat(after.delta(before, "chatd_overhead_seconds_sum", OPENAI, OLLAMA))
                .as(wait + " are not chatd's")
                .isLessThan(0.3);
    }

    @Test
    void theOverheadOfAStreamLeavesOutTheUpstreamsTimeToOpenIt() {
        // An SSE stream is opened on a thread of its own: the wait there is the request's still.
        try (TestServer server = TestServer.start()) {
            String slow = model("slow-stream");
            server.fake.on(
                    "POST",
                    "/api/chat",
                    FakeUpstream.ndjson()
                            .headersAfter(java.time.Duration.ofMillis(400))
                            .lines(ollamaLine("\"content\":\"Hi\""), OLLAMA_DONE));
            Scrape before = Scrape.of(server);
            assertThat(server.post("/v1/chat/completions", chat(slow, true)).body())
                    .contains("Hi", "[DONE]");
            Scrape after = Scrape.of(server);

            assertTheUpstreamsTimeIsNotOverhead(before, after, slow, "the 400 ms the upstream took to open the stream");
        }
    }

    @Test
    void modelsPastTheBoundAreCountedAsOther() {
        try (TestServer server =
                TestServer.builder().config("chatd.metrics.max-models", "2").start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
            Scrape before = Scrape.of(server);
            List<String> models = List.of(model("a"), model("b"), model("c"), model("d"));
            for (String model : models) {
                assertThat(server.post("/v1/chat/completions", chat(model, false))
                                .status())
                        .isEqualTo(200);
            }
            Scrape after = Scrape.of(server);
            assertThat(after.sum(
                            "gen_ai_server_request_duration_seconds_count",
                            "gen_ai_request_model=\"" + models.get(0) + "\""))
                    .isEqualTo(1);
            assertThat(after.sum(
                            "gen_ai_server_request_duration_seconds_count",
                            "gen_ai_request_model=\"" + models.get(1) + "\""))
                    .isEqualTo(1);
            assertThat(after.series(
                            "gen_ai_server_request_duration_seconds_count",
                            "gen_ai_request_model=\"" + models.get(2) + "\""))
                    .isEmpty();
            assertThat(after.delta(
                            before, "gen_ai_server_request_duration_seconds_count", "gen_ai_request_model=\"other\""))
                    .isEqualTo(2);
        }
    }

    @Test
    void healthIsLiveAndReadyWithEachCircuitInTheDetails() {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply live = server.get("/observe/health/live");
            assertThat(live.status()).isEqualTo(200);
            assertThat(live.json()).containsEntry("status", "UP");

            TestServer.Reply ready = server.get("/observe/health/ready");
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.json()).containsEntry("status", "UP");
            assertThat(ready.body()).contains("\"name\":\"providers\"", "\"ollama\":\"closed\"", "\"mock\":\"closed\"");

            // An open circuit is a detail and a gauge, not "not ready".
            server.chatd.metrics().circuitStates(() -> Map.of("ollama", "open", "mock", "half_open"));
            TestServer.Reply open = server.get("/observe/health/ready");
            assertThat(open.status()).isEqualTo(200);
            assertThat(open.body()).contains("\"status\":\"UP\"", "\"ollama\":\"open\"");
            Scrape scrape = Scrape.of(server);
            assertThat(scrape.sum("chatd_circuit_state", OLLAMA)).isEqualTo(2);
            assertThat(scrape.sum("chatd_circuit_state", "gen_ai_provider_name=\"mock\""))
                    .isEqualTo(1);

            TestServer.Reply health = server.get("/observe/health");
            assertThat(health.body()).contains("\"name\":\"chatd\"", "\"name\":\"providers\"");
            assertThat(server.get("/health").body()).isEqualTo("{\"status\":\"ok\"}");
        }
    }

    @Test
    void retriesAndFallbacksAreCounted() {
        // Ollama fails on every call: each attempt is retried, then the alias falls back to the mock.
        try (TestServer server = TestServer.builder()
                .config("chatd.retry.initial-backoff-ms", "1")
                .config("chatd.retry.max-backoff-ms", "5")
                .config("chatd.models.coder.0", "ollama/down")
                .config("chatd.models.coder.1", "mock/echo")
                .start()) {
            server.fake.on("POST", "/api/chat", FakeUpstream.json(503, "{\"error\":\"down on cue\"}"));
            Scrape before = Scrape.of(server);

            TestServer.Reply reply = server.post(
                    "/v1/chat/completions",
                    "{\"model\":\"coder\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            assertThat(reply.status()).isEqualTo(200);
            Scrape after = Scrape.of(server);
            assertThat(after.delta(before, "chatd_retries_total", OLLAMA, "chatd_reason=\"http_503\""))
                    .isEqualTo(2);
            assertThat(after.delta(
                            before,
                            "chatd_fallbacks_total",
                            "chatd_alias=\"coder\"",
                            "chatd_from=\"ollama/down\"",
                            "chatd_to=\"mock/echo\""))
                    .isEqualTo(1);
        }
    }

    @Test
    void observersNeedNoTokenAndShowNoSecret() {
        String key = "sk-canary-obs-5d1e";
        String token = "tok-canary-obs-9c3a";
        try (TestServer server = TestServer.builder()
                .env("OLLAMA_API_KEY", key)
                .env("CHATD_AUTH_TOKEN", token)
                .start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
            assertThat(server.post(
                                    "/v1/chat/completions",
                                    chat("ollama_cloud/gpt-oss:120b", false),
                                    "Authorization",
                                    "Bearer " + token)
                            .status())
                    .isEqualTo(200);
            assertThat(server.post("/v1/chat/completions", chat("ollama_cloud/gpt-oss:120b", true), "x-api-key", token)
                            .status())
                    .isEqualTo(200);
            assertThat(server.fake.lastRequest().header("Authorization")).isEqualTo("Bearer " + key);
            assertThat(server.get("/v1/models").status())
                    .as("the token is still required elsewhere")
                    .isEqualTo(401);

            TestServer.Reply metrics = server.get("/observe/metrics", "Accept", "text/plain");
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("gen_ai_provider_name=\"ollama_cloud\"")
                    .doesNotContain(key, token);
            assertThat(metrics.body())
                    .as("histograms have their buckets only, no client-side quantiles to compute per request")
                    .contains("gen_ai_server_request_duration_seconds_bucket")
                    .doesNotContain("quantile=");
            for (String path : List.of("/observe/health", "/observe/health/live", "/observe/health/ready")) {
                TestServer.Reply reply = server.get(path);
                assertThat(reply.status()).as(path).isEqualTo(200);
                assertThat(reply.body()).doesNotContain(key, token);
            }
        }
    }

    @Test
    void theErrorEnvelopesAndUnknownRoutesAreAsBefore() {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply unknown = server.get("/observe/config");
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.errorType()).isEqualTo("not_found");
            assertThat(server.get("/v1/nope").status()).isEqualTo(404);
        }
    }

    /** One scrape of {@code /observe/metrics}: each series (name and labels) with its value. */
    private record Scrape(Map<String, Double> values) {
        static Scrape of(TestServer server) {
            TestServer.Reply reply = server.get("/observe/metrics", "Accept", "text/plain");
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            Map<String, Double> values = new HashMap<>();
            reply.body().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).forEach(line -> {
                int space = line.lastIndexOf(' ');
                values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            });
            return new Scrape(values);
        }

        List<String> series(String name, String... labels) {
            return values.keySet().stream()
                    .filter(s ->
                            s.startsWith(name + "{") && Arrays.stream(labels).allMatch(s::contains))
                    .sorted()
                    .toList();
        }

        double sum(String name, String... labels) {
            return series(name, labels).stream().mapToDouble(values::get).sum();
        }

        double delta(Scrape before, String name, String... labels) {
            return sum(name, labels) - before.sum(name, labels);
        }

        /** The {@code le} values of a histogram's buckets, smallest first. */
        List<String> les(String name, String... labels) {
            return series(name, labels).stream()
                    .map(series -> {
                        int at = series.indexOf("le=\"") + 4;
                        return series.substring(at, series.indexOf('"', at));
                    })
                    .distinct()
                    .sorted(java.util.Comparator.comparingDouble(
                            le -> le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le)))
                    .toList();
        }
    }
}
