package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/chat/completions} in-process, in the exact shapes the OpenAI SDKs parse:
 * the completion object, the stream (role chunk, deltas, tool-call deltas, finish chunk, usage
 * chunk, {@code [DONE]}) and OpenAI's error envelope, before and during a stream.
 */
class OpenAiChatEndpointTest {
    private static final String PATH = "/v1/chat/completions";
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aCompletionIsOpenAisObject() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));
        long before = System.currentTimeMillis() / 1000;

        TestServer.Reply reply = server.post(PATH, TestServer.HELLO);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("content-type")).startsWith("application/json");
        Map<String, Object> body = reply.json();
        assertThat(body.keySet()).containsExactly("id", "object", "created", "model", "choices", "usage");
        assertThat((String) body.get("id")).isEqualTo("chatcmpl-" + reply.header("X-Request-Id"));
        assertThat(body).containsEntry("object", "chat.completion").containsEntry("model", "ollama/llama3.2");
        assertThat(((Number) body.get("created")).longValue()).isBetween(before, before + 60);
        List<Object> choices = (List<Object>) body.get("choices");
        assertThat(choices).hasSize(1);
        Map<String, Object> choice = (Map<String, Object>) choices.get(0);
        assertThat(choice)
                .containsEntry("index", n(0))
                .containsEntry("finish_reason", "stop")
                .containsKey("logprobs");
        assertThat((Map<String, Object>) choice.get("message"))
                .containsEntry("role", "assistant")
                .containsEntry("content", "Hello! How can I help?");
        assertThat(usage(body))
                .containsExactly(
                        Map.entry("prompt_tokens", n(26)),
                        Map.entry("completion_tokens", n(298)),
                        Map.entry("total_tokens", n(324)));
        assertThat(server.fake.lastRequest().json()).containsEntry("model", "llama3.2");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aToolCallIsTheMessagesToolCalls() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant","content":"",\
                "tool_calls":[{"id":"call_k3x","function":{"name":"get_weather","arguments":{"city":"Tokyo"}}}]},\
                "done":true,"done_reason":"stop","prompt_eval_count":30,"eval_count":12}"""));

        Map<String, Object> body = server.post(PATH, TestServer.HELLO).json();

        Map<String, Object> choice = (Map<String, Object>) ((List<Object>) body.get("choices")).get(0);
        assertThat(choice).containsEntry("finish_reason", "tool_calls");
        Map<String, Object> message = (Map<String, Object>) choice.get("message");
        assertThat(message).containsEntry("content", null);
        Map<String, Object> call = (Map<String, Object>) ((List<Object>) message.get("tool_calls")).get(0);
        assertThat(call).containsEntry("id", "call_k3x").containsEntry("type", "function");
        assertThat((Map<String, Object>) call.get("function"))
                .containsEntry("name", "get_weather")
                .containsEntry("arguments", "{\"city\":\"Tokyo\"}");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStreamOpensWithTheRoleSendsDeltasThenFinishUsageAndDone() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"Hel\""),
                                line("\"content\":\"lo\""),
                                "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":11,\"eval_count\":4}"));

        try (SseReader reply = stream("""
                {"model":"ollama/llama3.2","stream":true,"stream_options":{"include_usage":true},\
                "messages":[{"role":"user","content":"Hi"}]}""")) {
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("content-type")).startsWith("text/event-stream");
            String requestId = reply.header("X-Request-Id");
            List<SseReader.Event> events = reply.rest();

            assertThat(events).extracting(SseReader.Event::name).containsOnlyNulls();
            assertThat(events.getLast().data()).isEqualTo("[DONE]");
            List<Map<String, Object>> chunks = events.subList(0, events.size() - 1).stream()
                    .map(SseReader.Event::json)
                    .toList();
            Object created = chunks.getFirst().get("created");
            for (Map<String, Object> chunk : chunks) {
                assertThat(chunk)
                        .containsEntry("id", "chatcmpl-" + requestId)
                        .containsEntry("object", "chat.completion.chunk")
                        .containsEntry("created", created)
                        .containsEntry("model", "ollama/llama3.2");
            }
            assertThat(delta(chunks.get(0))).containsOnly(Map.entry("role", "assistant"), Map.entry("content", ""));
            assertThat(delta(chunks.get(1))).containsExactly(Map.entry("content", "Hel"));
            assertThat(delta(chunks.get(2))).containsExactly(Map.entry("content", "lo"));
            Map<String, Object> finish = choice(chunks.get(3));
            assertThat(finish).containsEntry("finish_reason", "stop").containsEntry("delta", Map.of());
            assertThat(choice(chunks.get(1))).containsEntry("finish_reason", null);
            Map<String, Object> usageChunk = chunks.get(4);
            assertThat((List<Object>) usageChunk.get("choices")).isEmpty();
            assertThat(usage(usageChunk))
                    .containsEntry("prompt_tokens", n(11))
                    .containsEntry("completion_tokens", n(4))
                    .containsEntry("total_tokens", n(15));
            assertThat(chunks).hasSize(5);
        }
    }

    @Test
    void withoutIncludeUsageNoUsageChunkComes() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"Hi\""),
                                "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                                        + "\"done_reason\":\"length\",\"prompt_eval_count\":1,\"eval_count\":1}"));

        try (SseReader reply = stream("""
                {"model":"ollama/llama3.2","stream":true,"messages":[{"role":"user","content":"Hi"}]}""")) {
            List<SseReader.Event> events = reply.rest();
            assertThat(events).hasSize(4); // role, "Hi", finish, [DONE]
            assertThat(choice(events.get(2).json())).containsEntry("finish_reason", "length");
            assertThat(events.get(2).json()).doesNotContainKey("usage");
            assertThat(events.get(3).data()).isEqualTo("[DONE]");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStreamedToolCallIsADeltaWithIndexIdTypeAndFunction() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line(
                                        "\"content\":\"\",\"tool_calls\":[{\"id\":\"call_k3x\",\"function\":{\"name\":\"get_weather\","
                                                + "\"arguments\":{\"city\":\"Tokyo\"}}}]"),
                                "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":30,\"eval_count\":12}"));

        try (SseReader reply = stream("""
                {"model":"ollama/llama3.2","stream":true,"messages":[{"role":"user","content":"Weather?"}],\
                "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}""")) {
            List<SseReader.Event> events = reply.rest();
            Map<String, Object> toolDelta = events.stream()
                    .map(SseReader.Event::data)
                    .filter(d -> d.contains("tool_calls"))
                    .findFirst()
                    .map(d -> delta((Map<String, Object>) dev.chatd.kit.json.JsonCodec.parse(d)))
                    .orElseThrow();
            Map<String, Object> call = (Map<String, Object>) ((List<Object>) toolDelta.get("tool_calls")).getFirst();
            assertThat(call)
                    .containsEntry("index", n(0))
                    .containsEntry("id", "call_k3x")
                    .containsEntry("type", "function");
            assertThat((Map<String, Object>) call.get("function"))
                    .containsEntry("name", "get_weather")
                    .containsEntry("arguments", "{\"city\":\"Tokyo\"}");
            assertThat(choice(events.get(events.size() - 2).json())).containsEntry("finish_reason", "tool_calls");
            assertThat(events.getLast().data()).isEqualTo("[DONE]");
        }
    }

    @Test
    void aFailureMidStreamIsOpenAisErrorObjectAndNoDone() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().lines(line("\"content\":\"Hel\"")).cut());

        try (SseReader reply = stream("""
                {"model":"ollama/llama3.2","stream":true,"messages":[{"role":"user","content":"Hi"}]}""")) {
            List<SseReader.Event> events = reply.rest();
            SseReader.Event last = events.getLast();
            assertThat(last.name()).isNull();
            assertThat(last.error())
                    .containsOnlyKeys("message", "type", "param", "code")
                    .containsEntry("type", "api_error")
                    .containsEntry("code", "upstream_error")
                    .containsEntry("param", null);
            assertThat(events).extracting(SseReader.Event::data).doesNotContain("[DONE]");
        }
    }

    @Test
    void errorsBeforeTheStreamAreOpenAisEnvelope() {
        TestServer.Reply unknown = server.post(PATH, """
                {"model":"ollama_cloud/m","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error())
                .containsOnlyKeys("message", "type", "param", "code")
                .containsEntry("type", "not_found_error")
                .containsEntry("code", "provider_not_found");

        TestServer.Reply malformed = server.post(PATH, "{\"model\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.error())
                .containsEntry("type", "invalid_request_error")
                .containsEntry("code", "invalid_request");

        server.fake.on("POST", "/api/chat", FakeUpstream.json(429, "{\"error\":\"slow down\"}", "Retry-After", "7"));
        TestServer.Reply limited = server.post(PATH, TestServer.HELLO);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("7");
        assertThat(limited.error()).containsEntry("type", "rate_limit_error").containsEntry("code", "rate_limited");
    }

    private static SseReader stream(String json) throws Exception {
        HttpRequest request = server.request(PATH)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return new SseReader(client.send(request, HttpResponse.BodyHandlers.ofLines()));
    }

    static String line(String messageFields) {
        return "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                + messageFields + "},\"done\":false}";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> choice(Map<String, Object> chunk) {
        return (Map<String, Object>) ((List<Object>) chunk.get("choices")).getFirst();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> delta(Map<String, Object> chunk) {
        return (Map<String, Object>) choice(chunk).get("delta");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> usage(Map<String, Object> body) {
        return (Map<String, Object>) body.get("usage");
    }

    /** A number as chatd's JSON codec reads it. */
    static BigDecimal n(long value) {
        return BigDecimal.valueOf(value);
    }
}
