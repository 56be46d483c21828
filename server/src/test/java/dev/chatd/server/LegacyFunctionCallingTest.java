package dev.chatd.server;

import static dev.chatd.server.ToolCallIdsTest.message;
import static dev.chatd.server.ToolCallIdsTest.ollamaDone;
import static dev.chatd.server.ToolCallIdsTest.ollamaLine;
import static dev.chatd.server.ToolCallIdsTest.openAiChunk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's deprecated function calling, which LangChain4j falls back to for a call without an
 * id and older clients still speak: {@code functions} and {@code function_call} in the request,
 * an assistant's {@code function_call} and {@code role: "function"} results in the conversation.
 * Upstreams get tools, tool choice, tool calls and tool messages; a client that sent
 * {@code functions} gets its answer in the same deprecated shape.
 */
class LegacyFunctionCallingTest {
    private static final String PATH = "/v1/chat/completions";
    private static final String FUNCTIONS = """
            "functions":[{"name":"get_weather","description":"Weather of a city",\
            "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]""";
    private static final String OPENAI_TOOL_CALL = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o",\
            "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_up",\
            "type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]},\
            "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15}}""";
    private static final String OPENAI_TEXT = """
            {"id":"chatcmpl-2","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o",\
            "choices":[{"index":0,"message":{"role":"assistant","content":"Sunny in Tokyo."},\
            "finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15}}""";

    /** A conversation in the deprecated shape: the model's function_call, then its result. */
    private static final String ANSWERED = """
            "messages":[{"role":"user","content":"Weather in Tokyo?"},\
            {"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}},\
            {"role":"function","name":"get_weather","content":"sunny"}]""";

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

    @Test
    @SuppressWarnings("unchecked")
    void functionsAndFunctionCallReachTheUpstreamAsToolsAndToolChoice() {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, OPENAI_TOOL_CALL));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"openrouter/openai/gpt-4o","messages":[{"role":"user","content":"Weather in Tokyo?"}],\
                "function_call":{"name":"get_weather"},""" + FUNCTIONS + "}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        Map<String, Object> sent = openAi.lastRequest().json();
        assertThat(sent).doesNotContainKeys("functions", "function_call");
        Map<String, Object> tool = (Map<String, Object>) ((List<Object>) sent.get("tools")).getFirst();
        assertThat(tool).containsEntry("type", "function");
        assertThat((Map<String, Object>) tool.get("function"))
                .containsEntry("name", "get_weather")
                .containsEntry("description", "Weather of a city")
                .containsKey("parameters");
        assertThat(sent.get("tool_choice"))
                .isEqualTo(Map.of("type", "function", "function", Map.of("name", "get_weather")));

        server.post(PATH, """
                {"model":"openrouter/openai/gpt-4o","messages":[{"role":"user","content":"Hi"}],\
                "function_call":"none",""" + FUNCTIONS + "}");
        assertThat(openAi.lastRequest().json()).containsEntry("tool_choice", "none");
    }

    @Test
    void aClientThatSentFunctionsGetsAFunctionCallBack() {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, OPENAI_TOOL_CALL));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"openrouter/openai/gpt-4o","messages":[{"role":"user","content":"Weather in Tokyo?"}],\
                """ + FUNCTIONS + "}");

        Map<String, Object> message = message(reply);
        assertThat(message).doesNotContainKey("tool_calls");
        assertThat(message.get("function_call"))
                .isEqualTo(Map.of("name", "get_weather", "arguments", "{\"city\":\"Tokyo\"}"));
        assertThat(choice(reply.json())).containsEntry("finish_reason", "function_call");
    }

    @Test
    void aClientThatSentToolsStillGetsToolCalls() {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, OPENAI_TOOL_CALL));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"openrouter/openai/gpt-4o","messages":[{"role":"user","content":"Weather in Tokyo?"}],\
                "tools":[{"type":"function","function":{"name":"get_weather"}}]}""");

        assertThat(message(reply)).containsKey("tool_calls").doesNotContainKey("function_call");
        assertThat(choice(reply.json())).containsEntry("finish_reason", "tool_calls");
    }

    /** An OpenAI-format upstream needs the result's id to be the call's: both are made up alike. */
    @Test
    @SuppressWarnings("unchecked")
    void aFunctionResultAnswersTheFunctionCallBeforeIt() {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, OPENAI_TEXT));

        TestServer.Reply reply =
                server.post(PATH, "{\"model\":\"openrouter/openai/gpt-4o\"," + ANSWERED + "," + FUNCTIONS + "}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(message(reply)).containsEntry("content", "Sunny in Tokyo.");
        List<Map<String, Object>> sent =
                (List<Map<String, Object>>) openAi.lastRequest().json().get("messages");
        assertThat(sent.get(1)).doesNotContainKey("function_call");
        Map<String, Object> call =
                (Map<String, Object>) ((List<Object>) sent.get(1).get("tool_calls")).getFirst();
        String id = (String) call.get("id");
        assertThat(id).startsWith("call_");
        assertThat(call).containsEntry("type", "function");
        assertThat((Map<String, Object>) call.get("function"))
                .containsEntry("name", "get_weather")
                .containsEntry("arguments", "{\"city\":\"Tokyo\"}");
        assertThat(sent.get(2))
                .containsEntry("role", "tool")
                .containsEntry("tool_call_id", id)
                .containsEntry("content", "sunny");
    }

    /** LangChain4j's fallback: current tools, but the result of a call without an id as role "function". */
    @Test
    @SuppressWarnings("unchecked")
    void aFunctionResultReachesOllamaNamedAfterItsCall() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"ollama/llama3.2","messages":[{"role":"user","content":"Weather in Tokyo?"},\
                {"role":"assistant","content":null,"tool_calls":[{"type":"function",\
                "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]},\
                {"role":"function","name":"get_weather","content":"sunny"}],\
                "tools":[{"type":"function","function":{"name":"get_weather"}}]}""");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<Map<String, Object>> sent =
                (List<Map<String, Object>>) server.fake.lastRequest().json().get("messages");
        assertThat(sent.get(2))
                .containsEntry("role", "tool")
                .containsEntry("tool_name", "get_weather")
                .containsEntry("content", "sunny");
    }

    @Test
    void aFunctionMessageWithoutANameIsRefused() {
        TestServer.Reply reply = server.post(PATH, """
                {"model":"ollama/llama3.2","messages":[{"role":"function","content":"sunny"}]}""");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorMessage()).contains("messages[0].name");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStreamForAClientThatSentFunctionsCarriesFunctionCallPieces() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                ollamaLine("\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"get_weather\","
                                        + "\"arguments\":{\"city\":\"Tokyo\"}}}]"),
                                ollamaDone()));

        List<Map<String, Object>> chunks = stream("""
                {"model":"ollama/llama3.2","stream":true,"messages":[{"role":"user","content":"Weather?"}],\
                """ + FUNCTIONS + "}");

        List<Map<String, Object>> pieces = new ArrayList<>();
        for (Map<String, Object> chunk : chunks) {
            Map<String, Object> delta = (Map<String, Object>) choice(chunk).get("delta");
            assertThat(delta).doesNotContainKey("tool_calls");
            if (delta.get("function_call") != null) {
                pieces.add((Map<String, Object>) delta.get("function_call"));
            }
        }
        assertThat(pieces).isNotEmpty();
        assertThat(pieces.getFirst()).containsEntry("name", "get_weather");
        String arguments = pieces.stream()
                .map(p -> (String) p.getOrDefault("arguments", ""))
                .reduce("", String::concat);
        assertThat(JsonCodec.parse(arguments)).isEqualTo(Map.of("city", "Tokyo"));
        assertThat(choice(chunks.getLast())).containsEntry("finish_reason", "function_call");
    }

    @Test
    @SuppressWarnings("unchecked")
    void anOpenAiUpstreamsStreamedCallIsAFunctionCallToo() throws Exception {
        openAi.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                openAiChunk(
                                        "{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_up\",\"type\":\"function\","
                                                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
                                        null),
                                openAiChunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}",
                                        null),
                                openAiChunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Tokyo\\\"}\"}}]}",
                                        null),
                                openAiChunk("{}", "tool_calls"))
                        .done());

        List<Map<String, Object>> chunks = stream("""
                {"model":"openrouter/openai/gpt-4o","stream":true,"messages":[{"role":"user","content":"Weather?"}],\
                """ + FUNCTIONS + "}");

        StringBuilder arguments = new StringBuilder();
        String name = null;
        for (Map<String, Object> chunk : chunks) {
            Map<String, Object> delta = (Map<String, Object>) choice(chunk).get("delta");
            if (delta.get("function_call") instanceof Map<?, ?> piece) {
                name = name == null ? (String) piece.get("name") : name;
                arguments.append(piece.get("arguments") instanceof String s ? s : "");
            }
        }
        assertThat(name).isEqualTo("get_weather");
        assertThat(JsonCodec.parse(arguments.toString())).isEqualTo(Map.of("city", "Tokyo"));
        assertThat(choice(chunks.getLast())).containsEntry("finish_reason", "function_call");
    }

    /** The chunks of an OpenAI stream, the role chunk first, without {@code [DONE]}. */
    private static List<Map<String, Object>> stream(String json) throws Exception {
        HttpRequest request = server.request(PATH)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        try (SseReader reply = new SseReader(client.send(request, HttpResponse.BodyHandlers.ofLines()))) {
            assertThat(reply.status()).isEqualTo(200);
            List<SseReader.Event> events = reply.rest();
            assertThat(events.getLast().data()).isEqualTo("[DONE]");
            return events.subList(0, events.size() - 1).stream()
                    .map(SseReader.Event::json)
                    .toList();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> choice(Map<String, Object> body) {
        return (Map<String, Object>) ((List<Object>) body.get("choices")).getFirst();
    }
}
