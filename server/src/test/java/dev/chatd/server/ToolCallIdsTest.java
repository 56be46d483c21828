package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every tool call a client gets has an id: an Ollama upstream before 0.12.10 sends calls without
 * one, and the OpenAI SDKs, LangChain and LangChain4j cannot answer such a call. Ids the upstream
 * sends are kept; generated ones look like OpenAI's and stay the same across a stream and in the
 * assembled message; the first delta of a streamed call carries its id, type and name; and a
 * result answering a generated id reaches an Ollama upstream matched to its call.
 */
class ToolCallIdsTest {
    private static final String PATH = "/v1/chat/completions";
    private static final String GENERATED_ID = "call_[0-9A-Za-z]{24}";
    private static final String TOOLS = """
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}},\
            {"type":"function","function":{"name":"get_time","parameters":{"type":"object"}}}]""";
    private static final String ASK = "{\"model\":\"ollama/llama3.2\",%s\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Weather and time in Tokyo?\"}]," + TOOLS + "}";

    /** Two calls, as Ollama before 0.12.10 sends them: no ids. */
    private static final String TWO_CALLS_WITHOUT_IDS = """
            [{"function":{"name":"get_weather","arguments":{"city":"Tokyo"}}},\
            {"function":{"name":"get_time","arguments":{"city":"Tokyo"}}}]""";

    private static final String TWO_CALLS_WITH_IDS = """
            [{"id":"call_w1","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}},\
            {"id":"call_t1","function":{"index":1,"name":"get_time","arguments":{"city":"Tokyo"}}}]""";

    private static FakeUpstream openAi;
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        openAi = FakeUpstream.start();
        server = TestServer.builder()
                .config("chatd.providers.openrouter.base-url", openAi.baseUrl().toString())
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        openAi.close();
    }

    // ---- whole replies ----

    @Test
    void callsWithoutIdsGetDistinctOpenAiStyleIds() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, ollamaReply(TWO_CALLS_WITHOUT_IDS)));

        List<Map<String, Object>> calls = toolCalls(message(server.post(PATH, ASK.formatted(""))));

        assertThat(calls).hasSize(2);
        assertThat(calls).allSatisfy(call -> {
            assertThat((String) call.get("id")).matches(GENERATED_ID);
            assertThat(call).containsEntry("type", "function");
        });
        assertThat(calls.get(0).get("id")).isNotEqualTo(calls.get(1).get("id"));
        assertThat(function(calls.get(0))).containsEntry("name", "get_weather");
    }

    @Test
    void idsTheUpstreamSentAreKept() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, ollamaReply(TWO_CALLS_WITH_IDS)));

        List<Map<String, Object>> calls = toolCalls(message(server.post(PATH, ASK.formatted(""))));

        assertThat(calls).extracting(c -> c.get("id")).containsExactly("call_w1", "call_t1");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theOllamaAndNativeApisGetIdsToo() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, ollamaReply(TWO_CALLS_WITHOUT_IDS)));

        Map<String, Object> ollama =
                server.post("/api/chat", ASK.formatted("\"stream\":false,")).json();
        Map<String, Object> nativeReply =
                server.post("/chat", ASK.formatted("")).json();

        for (Map<String, Object> message : List.of(
                (Map<String, Object>) ollama.get("message"), (Map<String, Object>) nativeReply.get("message"))) {
            assertThat(toolCalls(message))
                    .hasSize(2)
                    .allSatisfy(call -> assertThat((String) call.get("id")).matches(GENERATED_ID));
        }
    }

    // ---- streams ----

    @Test
    void aStreamedCallWithoutIdOpensWithIdTypeAndName() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(ollamaLine("\"content\":\"\",\"tool_calls\":" + TWO_CALLS_WITHOUT_IDS), ollamaDone()));

        List<Map<String, Object>> deltas = toolCallDeltas(stream(ASK.formatted("\"stream\":true,")));

        Map<Integer, Map<String, Object>> first = firstDeltaByIndex(deltas);
        assertThat(first).containsOnlyKeys(0, 1);
        assertThat(first.values()).allSatisfy(delta -> {
            assertThat((String) delta.get("id")).matches(GENERATED_ID);
            assertThat(delta).containsEntry("type", "function");
            assertThat(function(delta)).containsKey("name");
        });
        assertThat(first.get(0).get("id")).isNotEqualTo(first.get(1).get("id"));
        assertThat(function(first.get(1))).containsEntry("name", "get_time");
    }

    @Test
    void aStreamedCallKeepsTheUpstreamsId() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(ollamaLine("\"content\":\"\",\"tool_calls\":" + TWO_CALLS_WITH_IDS), ollamaDone()));

        Map<Integer, Map<String, Object>> first =
                firstDeltaByIndex(toolCallDeltas(stream(ASK.formatted("\"stream\":true,"))));

        assertThat(first.get(0)).containsEntry("id", "call_w1").containsEntry("type", "function");
        assertThat(first.get(1)).containsEntry("id", "call_t1").containsEntry("type", "function");
    }

    /**
     * An OpenAI-format upstream that sends no id and the name only in the second piece: the
     * client's first delta for the call still has the id, the type and the name, and the pieces
     * held back until then are not lost.
     */
    @Test
    void aCallWhoseNameComesLateIsHeldUntilItsFirstDeltaCanCarryIt() throws Exception {
        openAi.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                openAiChunk("{\"role\":\"assistant\",\"content\":null}", null),
                                openAiChunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}",
                                        null),
                                openAiChunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"get_weather\",\"arguments\":\"ty\\\":\"}}]}",
                                        null),
                                openAiChunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Tokyo\\\"}\"}}]}",
                                        null),
                                openAiChunk("{}", "tool_calls"))
                        .done());

        List<Map<String, Object>> deltas = toolCallDeltas(stream("""
                {"model":"openrouter/openai/gpt-4o","stream":true,"messages":[{"role":"user","content":"Weather?"}],\
                """ + TOOLS + "}"));

        Map<String, Object> first = deltas.getFirst();
        assertThat((String) first.get("id")).matches(GENERATED_ID);
        assertThat(first).containsEntry("type", "function");
        assertThat(function(first)).containsEntry("name", "get_weather");
        StringBuilder arguments = new StringBuilder();
        for (Map<String, Object> delta : deltas) {
            if (delta.get("id") != null) {
                assertThat(delta.get("id")).isEqualTo(first.get("id"));
            }
            arguments.append((String) function(delta).getOrDefault("arguments", ""));
        }
        assertThat(JsonCodec.parse(arguments.toString())).isEqualTo(Map.of("city", "Tokyo"));
    }

    /** The Ollama API assembles a streamed call into its last line: with the id its deltas had. */
    @Test
    @SuppressWarnings("unchecked")
    void theAssembledMessageOfAStreamHasTheIds() {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(ollamaLine("\"content\":\"\",\"tool_calls\":" + TWO_CALLS_WITHOUT_IDS), ollamaDone()));

        String[] lines = server.post("/api/chat", ASK.formatted("")).body().split("\n");
        Map<String, Object> last = (Map<String, Object>) JsonCodec.parse(lines[lines.length - 1]);

        assertThat(toolCalls((Map<String, Object>) last.get("message")))
                .hasSize(2)
                .allSatisfy(call -> assertThat((String) call.get("id")).matches(GENERATED_ID));
    }

    // ---- the round trip ----

    /**
     * An OpenAI client answers the calls by the ids chatd made up, in the other order; an Ollama
     * upstream, which matches results by function name, gets each result named after its call.
     */
    @Test
    @SuppressWarnings("unchecked")
    void resultsForGeneratedIdsReachOllamaMatchedToTheirCalls() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, ollamaReply(TWO_CALLS_WITHOUT_IDS)));
        Map<String, Object> assistant = message(server.post(PATH, ASK.formatted("")));
        List<Map<String, Object>> calls = toolCalls(assistant);
        String weatherId = (String) calls.get(0).get("id");
        String timeId = (String) calls.get(1).get("id");

        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));
        String followUp =
                "{\"model\":\"ollama/llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time?\"},"
                        + JsonCodec.writeString(assistant)
                        + ",{\"role\":\"tool\",\"tool_call_id\":\"" + timeId + "\",\"content\":\"09:00\"}"
                        + ",{\"role\":\"tool\",\"tool_call_id\":\"" + weatherId + "\",\"content\":\"sunny\"}],"
                        + TOOLS + "}";
        TestServer.Reply answer = server.post(PATH, followUp);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(message(answer)).containsEntry("content", "Hello! How can I help?");
        List<Map<String, Object>> sent =
                (List<Map<String, Object>>) server.fake.lastRequest().json().get("messages");
        assertThat(sent.get(2))
                .containsEntry("role", "tool")
                .containsEntry("tool_name", "get_time")
                .containsEntry("content", "09:00");
        assertThat(sent.get(3))
                .containsEntry("role", "tool")
                .containsEntry("tool_name", "get_weather")
                .containsEntry("content", "sunny");
    }

    // ---- helpers ----

    static String ollamaReply(String toolCalls) {
        return "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                + "\"content\":\"\",\"tool_calls\":" + toolCalls + "},\"done\":true,\"done_reason\":\"stop\","
                + "\"prompt_eval_count\":30,\"eval_count\":12}";
    }

    static String ollamaLine(String messageFields) {
        return OpenAiChatEndpointTest.line(messageFields);
    }

    static String ollamaDone() {
        return "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                + "\"done_reason\":\"stop\",\"prompt_eval_count\":30,\"eval_count\":12}";
    }

    static String openAiChunk(String delta, String finishReason) {
        return "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"openai/gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    private static List<SseReader.Event> stream(String json) throws Exception {
        HttpRequest request = server.request(PATH)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        try (SseReader reply = new SseReader(client.send(request, HttpResponse.BodyHandlers.ofLines()))) {
            assertThat(reply.status()).isEqualTo(200);
            List<SseReader.Event> events = reply.rest();
            assertThat(events.getLast().data()).isEqualTo("[DONE]");
            return events.subList(0, events.size() - 1);
        }
    }

    /** Every tool-call delta of an OpenAI stream, in order. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> toolCallDeltas(List<SseReader.Event> events) {
        List<Map<String, Object>> deltas = new ArrayList<>();
        for (SseReader.Event event : events) {
            List<Object> choices = (List<Object>) event.json().get("choices");
            if (choices.isEmpty()) {
                continue;
            }
            Map<String, Object> delta = (Map<String, Object>) ((Map<String, Object>) choices.getFirst()).get("delta");
            for (Object call : (List<Object>) delta.getOrDefault("tool_calls", List.of())) {
                deltas.add((Map<String, Object>) call);
            }
        }
        return deltas;
    }

    private static Map<Integer, Map<String, Object>> firstDeltaByIndex(List<Map<String, Object>> deltas) {
        Map<Integer, Map<String, Object>> first = new LinkedHashMap<>();
        for (Map<String, Object> delta : deltas) {
            first.putIfAbsent(((Number) delta.get("index")).intValue(), delta);
        }
        return first;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> message(TestServer.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        Map<String, Object> choice =
                (Map<String, Object>) ((List<Object>) reply.json().get("choices")).getFirst();
        return (Map<String, Object>) choice.get("message");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> toolCalls(Map<String, Object> message) {
        return (List<Map<String, Object>>) message.get("tool_calls");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> function(Map<String, Object> call) {
        return (Map<String, Object>) call.get("function");
    }
}
