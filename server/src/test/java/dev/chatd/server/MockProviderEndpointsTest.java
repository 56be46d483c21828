package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The keyless {@code mock} provider through every ingress, streamed and not: what a newcomer
 * with nothing installed, and a test suite built on chatd, gets. Nothing here needs an upstream.
 */
@SuppressWarnings("unchecked")
class MockProviderEndpointsTest {
    private static final String TOOLS = """
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",\
            "properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},\
            "required":["city","unit"]}}}]""";

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static BigDecimal n(int value) {
        return new BigDecimal(value);
    }

    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static List<Object> list(Object value) {
        return (List<Object>) value;
    }

    /** The JSON of each {@code data:} line of an SSE body, {@code [DONE]} left out. */
    private static List<Map<String, Object>> sseData(String body) {
        return body.lines()
                .filter(line -> line.startsWith("data:") && !line.equals("data: [DONE]"))
                .map(line -> map(JsonCodec.parse(line.substring("data:".length()))))
                .toList();
    }

    private static List<Map<String, Object>> ndjson(String body) {
        return body.strip().lines().map(line -> map(JsonCodec.parse(line))).toList();
    }

    // OpenAI: /v1/chat/completions

    @Test
    void openAiEchoAnswersWithTheLastUserMessageAndUsage() {
        TestServer.Reply reply = server.post("/v1/chat/completions", """
                {"model":"mock/echo","messages":[{"role":"system","content":"Be brief."},\
                {"role":"user","content":"Say hello to chatd"}]}""");

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        Map<String, Object> choice = map(list(reply.json().get("choices")).getFirst());
        assertThat(map(choice.get("message"))).containsEntry("content", "Say hello to chatd");
        assertThat(choice).containsEntry("finish_reason", "stop");
        assertThat(map(reply.json().get("usage")))
                .containsEntry("prompt_tokens", n(6))
                .containsEntry("completion_tokens", n(4))
                .containsEntry("total_tokens", n(10));
        assertThat(reply.json()).containsEntry("model", "mock/echo");
    }

    @Test
    void openAiEchoStreamsWordByWordThenTheFinishAndUsage() {
        TestServer.Reply reply = server.post("/v1/chat/completions", """
                {"model":"mock/echo","stream":true,"stream_options":{"include_usage":true},\
                "messages":[{"role":"user","content":"Say hello to chatd"}]}""");

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.body()).contains("data: [DONE]");
        List<Map<String, Object>> chunks = sseData(reply.body());
        assertThat(chunks.stream()
                        .flatMap(chunk -> list(chunk.get("choices")).stream())
                        .map(choice -> map(map(choice).get("delta")).get("content"))
                        .filter(content -> content != null && !content.equals("")))
                .containsExactly("Say ", "hello ", "to ", "chatd");
        assertThat(chunks.stream().flatMap(chunk -> list(chunk.get("choices")).stream()))
                .anySatisfy(choice -> assertThat(map(choice)).containsEntry("finish_reason", "stop"));
        assertThat(map(chunks.getLast().get("usage")))
                .containsEntry("prompt_tokens", n(4))
                .containsEntry("completion_tokens", n(4));
    }

    @Test
    void openAiToolCallsTheFirstToolThenReportsItsResult() {
        TestServer.Reply call = server.post("/v1/chat/completions", """
                {"model":"mock/tool","messages":[{"role":"user","content":"Weather in Paris?"}],%s}""".formatted(TOOLS));

        assertThat(call.status()).as(call.toString()).isEqualTo(200);
        Map<String, Object> choice = map(list(call.json().get("choices")).getFirst());
        assertThat(choice).containsEntry("finish_reason", "tool_calls");
        Map<String, Object> toolCall =
                map(list(map(choice.get("message")).get("tool_calls")).getFirst());
        assertThat(toolCall).containsEntry("id", "call_mock_1").containsEntry("type", "function");
        assertThat(map(toolCall.get("function"))).containsEntry("name", "get_weather");
        assertThat(JsonCodec.parse((String) map(toolCall.get("function")).get("arguments")))
                .isEqualTo(Map.of("city", "example", "unit", "celsius"));

        TestServer.Reply result = server.post("/v1/chat/completions", """
                {"model":"mock/tool","messages":[{"role":"user","content":"Weather in Paris?"},\
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_mock_1","type":"function",\
                "function":{"name":"get_weather","arguments":"{\\"city\\":\\"example\\",\\"unit\\":\\"celsius\\"}"}}]},\
                {"role":"tool","tool_call_id":"call_mock_1","content":"21 degrees"}],%s}""".formatted(TOOLS));

        assertThat(result.status()).as(result.toString()).isEqualTo(200);
        Map<String, Object> answer = map(list(result.json().get("choices")).getFirst());
        assertThat(answer).containsEntry("finish_reason", "stop");
        assertThat(map(answer.get("message"))).containsEntry("content", "The tool returned: 21 degrees");
    }

    @Test
    void openAiToolStreamsTheCallAsDeltasWhoseFirstHasIdTypeAndName() {
        TestServer.Reply reply = server.post("/v1/chat/completions", """
                {"model":"mock/tool","stream":true,"messages":[{"role":"user","content":"Weather?"}],%s}""".formatted(TOOLS));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        List<Map<String, Object>> deltas = sseData(reply.body()).stream()
                .flatMap(chunk -> list(chunk.get("choices")).stream())
                .map(choice -> map(map(choice).get("delta")))
                .filter(delta -> delta.containsKey("tool_calls"))
                .map(delta -> map(list(delta.get("tool_calls")).getFirst()))
                .toList();
        assertThat(deltas.getFirst()).containsEntry("id", "call_mock_1").containsEntry("type", "function");
        assertThat(map(deltas.getFirst().get("function"))).containsEntry("name", "get_weather");
        StringBuilder arguments = new StringBuilder();
        deltas.forEach(delta -> arguments.append(map(delta.get("function")).getOrDefault("arguments", "")));
        assertThat(JsonCodec.parse(arguments.toString())).isEqualTo(Map.of("city", "example", "unit", "celsius"));
        assertThat(reply.body()).contains("\"finish_reason\":\"tool_calls\"");
    }

    @Test
    void openAiErrorStatusesAreMappedAsARealUpstreamsWouldBe() {
        for (boolean stream : new boolean[] {false, true}) {
            TestServer.Reply limited = server.post("/v1/chat/completions", """
                    {"model":"mock/error-429","stream":%s,"messages":[{"role":"user","content":"Hi"}]}""".formatted(stream));
            assertThat(limited.status()).as(limited.toString()).isEqualTo(429);
            assertThat(limited.header("Retry-After")).isEqualTo("1");
            assertThat(limited.error()).containsEntry("code", "rate_limited").containsEntry("type", "rate_limit_error");

            TestServer.Reply failed = server.post("/v1/chat/completions", """
                    {"model":"mock/error-503","stream":%s,"messages":[{"role":"user","content":"Hi"}]}""".formatted(stream));
            assertThat(failed.status()).as(failed.toString()).isEqualTo(502);
            assertThat(failed.error()).containsEntry("code", "upstream_error");
            assertThat(failed.errorMessage()).contains("HTTP 503");
        }
        assertThat(status("mock/error-401")).isEqualTo(502);
        assertThat(status("mock/error-404")).isEqualTo(404);
        assertThat(status("mock/error-400")).isEqualTo(400);
        assertThat(status("mock/error-504")).isEqualTo(504);
    }

    private static int status(String model) {
        return server.post("/v1/chat/completions", """
                        {"model":"%s","messages":[{"role":"user","content":"Hi"}]}""".formatted(model)).status();
    }

    @Test
    void anUnknownMockModelIsNotFoundAndNamesTheMockModels() {
        TestServer.Reply reply = server.post("/v1/chat/completions", """
                {"model":"mock/nosuch","messages":[{"role":"user","content":"Hi"}]}""");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.error()).containsEntry("code", "model_not_found");
        assertThat(reply.errorMessage()).contains("'nosuch'", "mock/echo", "mock/tool", "mock/error-<status>");
    }

    @Test
    void toolWithoutToolsIsA400ThatSaysWhy() {
        TestServer.Reply reply = server.post("/v1/chat/completions", """
                {"model":"mock/tool","messages":[{"role":"user","content":"Hi"}]}""");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorMessage()).contains("mock/tool answers only a request that offers tools");
    }

    @Test
    void aBareNameNeverReachesTheMock() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = server.post("/chat", """
                {"model":"echo","messages":[{"role":"user","content":"Hi"}]}""");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json()).containsEntry("provider", "ollama");
        assertThat(server.fake.lastRequest().json()).containsEntry("model", "echo");
    }

    @Test
    void theModelListsNameTheMockModels() {
        assertThat(list(server.get("/v1/models").json().get("data")))
                .extracting(model -> map(model).get("id"))
                .contains("mock/echo", "mock/tool", "mock/error-429");
    }

    // native: /chat

    @Test
    void nativeEchoAnswersWholeAndStreamed() {
        TestServer.Reply whole = server.post("/chat", """
                {"model":"mock/echo","messages":[{"role":"user","content":"Say hi"}]}""");
        assertThat(whole.status()).as(whole.toString()).isEqualTo(200);
        assertThat(whole.json()).containsEntry("provider", "mock").containsEntry("finish_reason", "stop");
        assertThat(map(whole.json().get("message"))).containsEntry("content", "Say hi");
        assertThat(map(whole.json().get("usage"))).containsEntry("completion_tokens", n(2));

        TestServer.Reply streamed = server.post("/chat", """
                {"model":"mock/echo","stream":true,"messages":[{"role":"user","content":"Say hi"}]}""");
        assertThat(streamed.status()).as(streamed.toString()).isEqualTo(200);
        List<Map<String, Object>> events = sseData(streamed.body());
        assertThat(events)
                .extracting(event -> map(event.get("delta")).get("content"))
                .containsExactly("Say ", "hi", null);
        assertThat(events.getLast()).containsEntry("finish_reason", "stop").containsEntry("provider", "mock");
    }

    @Test
    void nativeToolCallAndErrorInChatdsOwnShapes() {
        TestServer.Reply call = server.post("/chat", """
                {"model":"mock/tool","messages":[{"role":"user","content":"Weather?"}],%s}""".formatted(TOOLS));
        assertThat(call.status()).as(call.toString()).isEqualTo(200);
        assertThat(call.json()).containsEntry("finish_reason", "tool_calls");
        Map<String, Object> toolCall =
                map(list(map(call.json().get("message")).get("tool_calls")).getFirst());
        assertThat(toolCall).containsEntry("id", "call_mock_1");

        TestServer.Reply streamed = server.post("/chat", """
                {"model":"mock/tool","stream":true,"messages":[{"role":"user","content":"Weather?"}],%s}""".formatted(TOOLS));
        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.body()).contains("\"id\":\"call_mock_1\"", "\"finish_reason\":\"tool_calls\"");

        TestServer.Reply failed = server.post("/chat", """
                {"model":"mock/error-500","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.errorType()).isEqualTo("upstream_error");
    }

    // Ollama: /api/chat

    @Test
    void ollamaEchoAnswersWholeAndAsNdjsonPieces() {
        TestServer.Reply whole = server.post("/api/chat", """
                {"model":"mock/echo","stream":false,"messages":[{"role":"user","content":"Say hi"}]}""");
        assertThat(whole.status()).as(whole.toString()).isEqualTo(200);
        assertThat(map(whole.json().get("message"))).containsEntry("content", "Say hi");
        assertThat(whole.json())
                .containsEntry("done", true)
                .containsEntry("done_reason", "stop")
                .containsEntry("prompt_eval_count", n(2))
                .containsEntry("eval_count", n(2));

        TestServer.Reply streamed = server.post("/api/chat", """
                {"model":"mock/echo","messages":[{"role":"user","content":"Say hi"}]}""");
        assertThat(streamed.status()).as(streamed.toString()).isEqualTo(200);
        List<Map<String, Object>> lines = ndjson(streamed.body());
        assertThat(lines)
                .extracting(line -> map(line.get("message")).get("content"))
                .containsExactly("Say ", "hi", "");
        assertThat(lines.getLast()).containsEntry("done", true).containsEntry("eval_count", n(2));
    }

    @Test
    void ollamaToolCallComesWholeOnTheLastLine() {
        for (boolean stream : new boolean[] {false, true}) {
            TestServer.Reply reply = server.post("/api/chat", """
                    {"model":"mock/tool","stream":%s,"messages":[{"role":"user","content":"Weather?"}],%s}""".formatted(stream, TOOLS));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            Map<String, Object> last = ndjson(reply.body()).getLast();
            Map<String, Object> call =
                    map(list(map(last.get("message")).get("tool_calls")).getFirst());
            assertThat(map(call.get("function")))
                    .containsEntry("name", "get_weather")
                    .containsEntry("arguments", Map.of("city", "example", "unit", "celsius"));
            assertThat(last).containsEntry("done", true);
        }
    }

    @Test
    void ollamaErrorsAreOllamasEnvelopeWithTheStatus() {
        for (boolean stream : new boolean[] {false, true}) {
            TestServer.Reply reply = server.post("/api/chat", """
                    {"model":"mock/error-404","stream":%s,"messages":[{"role":"user","content":"Hi"}]}""".formatted(stream));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
            assertThat(reply.json().keySet()).containsExactly("error");
            assertThat((String) reply.json().get("error")).contains("mock/error-404");
        }
    }
}
