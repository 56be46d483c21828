package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * W3C trace context: a client's valid {@code traceparent} reaches every upstream request of its
 * call with the same trace id and chatd's own span as parent, whole replies and streams alike
 * (a stream is opened on a thread of its own), for OpenAI- and Ollama-format upstreams; its
 * trace id is in the access line; an invalid or absent one is replaced by a trace chatd starts.
 */
class TraceContextTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_PARENT = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + CLIENT_PARENT + "-01";
    private static final String TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
    private static final String WELL_FORMED = "00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}";

    private static final String OPENAI_REPLY = """
            {"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,\
            "message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],\
            "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";
    private static final String OPENAI_CHUNK = """
            {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,\
            "delta":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""";
    private static final String OLLAMA_DONE = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Hi\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}";

    private static FakeUpstream openAi;
    private static TestServer server;

    @BeforeAll
    static void start() {
        openAi = FakeUpstream.start();
        server = TestServer.builder()
                .config("chatd.providers.openrouter.base-url", openAi.baseUrl().toString())
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .start();
        openAi.on("POST", "/chat/completions", (request, exchange, up) -> {
            boolean stream = Boolean.TRUE.equals(request.json().get("stream"));
            (stream ? FakeUpstream.sse().events(OPENAI_CHUNK).done() : json(200, OPENAI_REPLY))
                    .respond(request, exchange, up);
        });
        server.fake.on("POST", "/api/chat", (request, exchange, up) -> {
            boolean stream = !Boolean.FALSE.equals(request.json().get("stream"));
            (stream ? FakeUpstream.ndjson().lines(OLLAMA_DONE) : json(200, TestServer.OLLAMA_REPLY))
                    .respond(request, exchange, up);
        });
    }

    @AfterAll
    static void stop() {
        server.close();
        openAi.close();
    }

    private static String body(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    private static FakeUpstream upstreamOf(String model) {
        return model.startsWith("openrouter/") ? openAi : server.fake;
    }

    /** Both client framings (SSE from /v1, NDJSON from /api), whole and streamed, to both upstream formats. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "/v1/chat/completions false openrouter/m",
                "/v1/chat/completions true openrouter/m",
                "/api/chat false openrouter/m",
                "/api/chat true openrouter/m",
                "/v1/chat/completions false ollama/llama3.2",
                "/v1/chat/completions true ollama/llama3.2",
                "/api/chat false ollama/llama3.2",
                "/api/chat true ollama/llama3.2"
            })
    void theClientsTraceReachesTheUpstreamWithChatdsSpanAsParent(String call) throws Exception {
        String[] parts = call.split(" ");
        String id = "trace-" + Math.abs(call.hashCode());
        try (LogCapture log = LogCapture.start()) {
            TestServer.Reply reply = server.post(
                    parts[0],
                    body(parts[2], Boolean.parseBoolean(parts[1])),
                    "traceparent",
                    TRACEPARENT,
                    "tracestate",
                    TRACESTATE,
                    "X-Request-Id",
                    id);
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);

            FakeUpstream.Recorded upstream = upstreamOf(parts[2]).lastRequest();
            String sent = upstream.header("traceparent");
            assertThat(sent).matches(WELL_FORMED);
            assertThat(sent).startsWith("00-" + TRACE_ID + "-").endsWith("-01");
            assertThat(sent.substring(36, 52))
                    .as("chatd's hop is a span of its own")
                    .isNotEqualTo(CLIENT_PARENT)
                    .isNotEqualTo("0000000000000000");
            assertThat(upstream.header("tracestate")).isEqualTo(TRACESTATE);
            assertThat(AccessLogTest.line(log, id)).contains(" trace_id=" + TRACE_ID);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "garbage",
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent id
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // 00 has nothing after
                "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01", // fields misplaced
                "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"
            })
    void anInvalidOrAbsentTraceparentStartsANewTrace(String given) throws Exception {
        String id = "new-trace-" + Math.abs(given.hashCode());
        try (LogCapture log = LogCapture.start()) {
            TestServer.Reply reply = given.isEmpty()
                    ? server.post("/api/chat", body("ollama/llama3.2", false), "X-Request-Id", id)
                    : server.post(
                            "/api/chat",
                            body("ollama/llama3.2", true),
                            "traceparent",
                            given,
                            "tracestate",
                            TRACESTATE,
                            "X-Request-Id",
                            id);
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            FakeUpstream.Recorded upstream = server.fake.lastRequest();
            String sent = upstream.header("traceparent");
            assertThat(sent).matches(WELL_FORMED).endsWith("-00").doesNotContain(TRACE_ID.substring(0, 12));
            assertThat(upstream.header("tracestate"))
                    .as("a tracestate without a valid traceparent is dropped")
                    .isNull();
            assertThat(AccessLogTest.line(log, id)).contains(" trace_id=" + sent.substring(3, 35));
        }
    }

    @Test
    void laterVersionsAreReadByTheirVersion00Fields() {
        TraceParent parsed = TraceParent.parse("cc-" + TRACE_ID + "-" + CLIENT_PARENT + "-01-what-the-future-adds");
        assertThat(parsed).isNotNull();
        assertThat(parsed.traceId()).isEqualTo(TRACE_ID);
        assertThat(TraceParent.parse("cc-" + TRACE_ID + "-" + CLIENT_PARENT + "-01x"))
                .isNull();
    }

    @Test
    void aTracestateThatCouldInjectAHeaderIsDropped() {
        assertThat(TraceParent.of(TRACEPARENT, "a=b\r\nx-evil: 1").tracestate()).isNull();
        assertThat(TraceParent.of(TRACEPARENT, "a=" + "b".repeat(600)).tracestate())
                .isNull();
        assertThat(TraceParent.of(TRACEPARENT, TRACESTATE).tracestate()).isEqualTo(TRACESTATE);
    }

    @Test
    void eachRequestIsASpanOfItsOwn() {
        TraceParent one = TraceParent.of(TRACEPARENT, null);
        TraceParent two = TraceParent.of(TRACEPARENT, null);
        assertThat(one.traceId()).isEqualTo(two.traceId());
        assertThat(one.spanId()).isNotEqualTo(two.spanId());
        assertThat(TraceParent.of(null, null).traceId())
                .isNotEqualTo(TraceParent.of(null, null).traceId());
    }
}
