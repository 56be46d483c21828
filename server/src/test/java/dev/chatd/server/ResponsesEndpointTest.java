package dev.chatd.server;

import static dev.chatd.server.AnthropicMessagesEndpointTest.chunk;
import static dev.chatd.server.AnthropicMessagesEndpointTest.n;
import static dev.chatd.server.OpenAiChatEndpointTest.line;
import static org.assertj.core.api.Assertions.assertThat;

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
 * {@code POST /v1/responses} in-process, in the shapes the openai SDKs, the Vercel AI SDK and
 * Codex-style agents parse, through an Ollama upstream (tool calls with and without ids) and an
 * OpenAI-format one (OpenRouter before a fake): whole and streamed text, a function-call round
 * trip, parallel calls, reasoning, truncation, errors before and during a stream, and the
 * stored-response routes a stateless chatd refuses.
 */
class ResponsesEndpointTest {
    static final String PATH = "/v1/responses";
    static final String TOKEN = "tok-responses-7d2";
    private static FakeUpstream openAi;
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        openAi = FakeUpstream.start();
        server = TestServer.builder()
                .config("chatd.providers.openrouter.base-url", openAi.baseUrl().toString())
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .env("CHATD_AUTH_TOKEN", TOKEN)
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        openAi.close();
    }

    static final String WEATHER_TOOL = """
            {"type":"function","name":"get_weather","description":"The weather in a city","strict":true,\
            "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],\
            "additionalProperties":false}}""";

    private static String ask(String model, boolean stream) {
        return """
                {"model":"%s","stream":%s,"store":false,"instructions":"Be brief.","tools":[%s],\
                "input":[{"role":"user","content":[{"type":"input_text","text":"Weather in Tokyo?"}]}]}""".formatted(model, stream, WEATHER_TOOL);
    }

    static TestServer.Reply post(String path, String body) {
        return server.post(path, body, "Authorization", "Bearer " + TOKEN);
    }

    // ---- whole replies ----

    @Test
    @SuppressWarnings("unchecked")
    void aReplyIsAResponseWithTheModelAsAskedAndItsUsage() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = post(PATH, ask("ollama/llama3.2", false));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.header("content-type")).startsWith("application/json");
        Map<String, Object> body = reply.json();
        assertThat((String) body.get("id")).matches("resp_[A-Za-z0-9]{24}");
        assertThat(body)
                .containsEntry("object", "response")
                .containsEntry("status", "completed")
                .containsEntry("model", "ollama/llama3.2")
                .containsEntry("incomplete_details", null);
        List<Map<String, Object>> output = (List<Map<String, Object>>) body.get("output");
        assertThat(output).hasSize(1);
        assertThat(output.getFirst()).containsEntry("type", "message").containsEntry("role", "assistant");
        assertThat((List<Map<String, Object>>) output.getFirst().get("content"))
                .singleElement()
                .satisfies(part -> assertThat(part)
                        .containsEntry("type", "output_text")
                        .containsEntry("text", "Hello! How can I help?"));
        assertThat((Map<String, Object>) body.get("usage"))
                .containsEntry("input_tokens", n(26))
                .containsEntry("output_tokens", n(298))
                .containsEntry("total_tokens", n(324))
                .containsKeys("input_tokens_details", "output_tokens_details");
        Map<String, Object> sent = server.fake.lastRequest().json();
        assertThat(sent).containsEntry("model", "llama3.2");
        assertThat((List<Map<String, Object>>) sent.get("messages"))
                .extracting(m -> m.get("role"), m -> m.get("content"))
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("system", "Be brief."),
                        org.assertj.core.groups.Tuple.tuple("user", "Weather in Tokyo?"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void upstreamReasoningIsAReasoningItemWithItsSummaryBeforeTheMessage() {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, """
                {"id":"gen-1","object":"chat.completion","created":1,"model":"openai/gpt-4o",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"Sunny.","reasoning":"Look it up."},\
                "finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"""));

        Map<String, Object> body =
                post(PATH, ask("openrouter/openai/gpt-4o", false)).json();

        assertThat(body).containsEntry("model", "openrouter/openai/gpt-4o").containsEntry("status", "completed");
        List<Map<String, Object>> output = (List<Map<String, Object>>) body.get("output");
        assertThat(output).extracting(i -> i.get("type")).containsExactly("reasoning", "message");
        assertThat((List<Object>) output.get(0).get("summary"))
                .containsExactly(Map.of("type", "summary_text", "text", "Look it up."));
        Map<String, Object> sent = openAi.lastRequest().json();
        assertThat(sent).containsEntry("model", "openai/gpt-4o");
        assertThat((List<Map<String, Object>>) sent.get("tools"))
                .extracting(t -> ((Map<String, Object>) t.get("function")).get("name"))
                .containsExactly("get_weather");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTruncatedAnswerIsIncompleteForMaxOutputTokens() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant","content":"Sun"},\
                "done":true,"done_reason":"length","prompt_eval_count":5,"eval_count":1}"""));

        Map<String, Object> body = post(PATH, ask("ollama/llama3.2", false)).json();

        assertThat(body)
                .containsEntry("status", "incomplete")
                .containsEntry("incomplete_details", Map.of("reason", "max_output_tokens"));
        assertThat((List<Map<String, Object>>) body.get("output"))
                .singleElement()
                .satisfies(item -> assertThat(item).containsEntry("status", "incomplete"));
    }

    // ---- streams ----

    @Test
    void aStreamIsTheTypedEventsInOrderWithTheirSequenceNumbers() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"Hel\""),
                                line("\"content\":\"lo\""),
                                "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":11,\"eval_count\":4}"));

        try (SseReader reply = stream(ask("ollama/llama3.2", true))) {
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("content-type")).startsWith("text/event-stream");
            List<SseReader.Event> events = reply.rest();

            assertThat(names(events))
                    .containsExactly(
                            "response.created",
                            "response.in_progress",
                            "response.output_item.added",
                            "response.content_part.added",
                            "response.output_text.delta",
                            "response.output_text.delta",
                            "response.output_text.done",
                            "response.content_part.done",
                            "response.output_item.done",
                            "response.completed");
            assertWellFormed(events);
            assertThat(events.get(4).json()).containsEntry("delta", "Hel");
            assertThat(events.get(6).json()).containsEntry("text", "Hello");
            Map<String, Object> completed = response(events.getLast());
            assertThat(completed)
                    .containsEntry("status", "completed")
                    .containsEntry("model", "ollama/llama3.2")
                    .containsEntry("id", response(events.getFirst()).get("id"));
            assertThat((String) completed.get("id")).matches("resp_[A-Za-z0-9]{24}");
            assertThat(completed.get("usage"))
                    .isEqualTo(Map.of(
                            "input_tokens",
                            n(11),
                            "input_tokens_details",
                            Map.of("cached_tokens", n(0)),
                            "output_tokens",
                            n(4),
                            "output_tokens_details",
                            Map.of("reasoning_tokens", n(0)),
                            "total_tokens",
                            n(15)));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void reasoningThenTextThenParallelCallsStreamAsTheirItemsWithTheUpstreamsCallIds() throws Exception {
        openAi.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                chunk("{\"role\":\"assistant\",\"reasoning\":\"Two cities, \"}", null),
                                chunk("{\"reasoning\":\"two calls.\"}", null),
                                chunk("{\"content\":\"Checking both.\"}", null),
                                chunk(
                                        "{\"tool_calls\":[{\"index\":0,\"id\":\"call_tokyo\",\"type\":\"function\","
                                                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\"}}]}",
                                        null),
                                chunk(
                                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Tokyo\\\"}\"}}]}",
                                        null),
                                chunk(
                                        "{\"tool_calls\":[{\"index\":1,\"id\":\"call_paris\",\"type\":\"function\","
                                                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}",
                                        null),
                                chunk("{}", "\"tool_calls\""),
                                "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],"
                                        + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}}")
                        .done());

        try (SseReader reply = stream(ask("openrouter/openai/gpt-4o", true))) {
            List<SseReader.Event> events = reply.rest();
            assertWellFormed(events);

            assertThat(names(events))
                    .containsSubsequence(
                            "response.created",
                            "response.output_item.added",
                            "response.reasoning_summary_text.delta",
                            "response.reasoning_summary_text.delta",
                            "response.output_item.done",
                            "response.output_item.added",
                            "response.output_text.delta",
                            "response.output_item.done",
                            "response.output_item.added",
                            "response.function_call_arguments.delta",
                            "response.function_call_arguments.done",
                            "response.output_item.done",
                            "response.output_item.added",
                            "response.function_call_arguments.done",
                            "response.output_item.done",
                            "response.completed");
            assertThat(names(events).stream().filter("response.output_text.delta"::equals))
                    .as("reasoning never arrives as text")
                    .hasSize(1);
            List<Map<String, Object>> output =
                    (List<Map<String, Object>>) response(events.getLast()).get("output");
            assertThat(output)
                    .extracting(i -> i.get("type"))
                    .containsExactly("reasoning", "message", "function_call", "function_call");
            assertThat((List<Object>) output.get(0).get("summary"))
                    .containsExactly(Map.of("type", "summary_text", "text", "Two cities, two calls."));
            assertThat(output.get(2))
                    .containsEntry("call_id", "call_tokyo")
                    .containsEntry("name", "get_weather")
                    .containsEntry("arguments", "{\"city\":\"Tokyo\"}");
            assertThat(output.get(3))
                    .containsEntry("call_id", "call_paris")
                    .containsEntry("arguments", "{\"city\":\"Paris\"}");
            // Each item's added and done events carry the same output_index, 0 to 3.
            assertThat(events.stream()
                            .filter(e -> "response.output_item.done".equals(e.name()))
                            .map(e -> e.json().get("output_index")))
                    .containsExactly(n(0), n(1), n(2), n(3));
        }
    }

    @Test
    void aTruncatedStreamEndsWithResponseIncomplete() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"Sun\""),
                                "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"length\",\"prompt_eval_count\":5,\"eval_count\":1}"));

        try (SseReader reply = stream(ask("ollama/llama3.2", true))) {
            List<SseReader.Event> events = reply.rest();
            assertWellFormed(events);

            assertThat(events.getLast().name()).isEqualTo("response.incomplete");
            assertThat(response(events.getLast()))
                    .containsEntry("status", "incomplete")
                    .containsEntry("incomplete_details", Map.of("reason", "max_output_tokens"));
        }
    }

    @Test
    void aFailureMidStreamIsResponseFailedThenAnErrorEvent() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().lines(line("\"content\":\"Hel\"")).cut());

        try (SseReader reply = stream(ask("ollama/llama3.2", true))) {
            List<SseReader.Event> events = reply.rest();
            assertWellFormed(events);

            assertThat(names(events))
                    .containsExactly(
                            "response.created",
                            "response.in_progress",
                            "response.output_item.added",
                            "response.content_part.added",
                            "response.output_text.delta",
                            "response.failed",
                            "error");
            assertThat(response(events.get(5))).containsEntry("status", "failed");
            assertThat(events.getLast().json()).containsEntry("code", "server_error");
            assertThat((String) events.getLast().json().get("message")).isNotBlank();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void anErrorBeforeTheStreamIsOpenAisEnvelopeWithItsStatus() throws Exception {
        TestServer.Reply unknown = post(PATH, ask("ollama_cloud/m", true));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat((Map<String, Object>) unknown.json().get("error"))
                .containsOnlyKeys("message", "type", "param", "code")
                .containsEntry("type", "not_found_error")
                .containsEntry("code", "provider_not_found");

        openAi.on("POST", "/chat/completions", FakeUpstream.json(429, """
                {"error":{"message":"slow down","code":429}}""", "Retry-After", "7"));
        try (SseReader reply = stream(ask("openrouter/openai/gpt-4o", true))) {
            assertThat(reply.status()).isEqualTo(429);
            assertThat(reply.header("content-type")).startsWith("application/json");
            assertThat(reply.header("retry-after")).isEqualTo("7");
            assertThat(reply.remainingText()).contains("\"type\":\"rate_limit_error\"");
        }

        TestServer.Reply noInput = post(PATH, "{\"model\":\"ollama/llama3.2\"}");
        assertThat(noInput.status()).isEqualTo(400);
        assertThat((Map<String, Object>) noInput.json().get("error"))
                .containsEntry("type", "invalid_request_error")
                .satisfies(e -> assertThat((String) e.get("message")).contains("input"));

        TestServer.Reply noToken = server.post(PATH, ask("ollama/llama3.2", false));
        assertThat(noToken.status()).isEqualTo(401);
        assertThat((Map<String, Object>) noToken.json().get("error")).containsEntry("type", "authentication_error");
    }

    // ---- a function-call round trip ----

    /** The conversation after the model called two functions: its calls, then the client's outputs. */
    static String withOutputs(String model) {
        return """
                {"model":"%s","store":false,"tools":[%s],"input":[
                  {"role":"user","content":"Weather in Tokyo and Paris?"},
                  {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking both."}]},
                  {"type":"function_call","id":"fc_1","call_id":"call_tokyo","name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"},
                  {"type":"function_call","id":"fc_2","call_id":"call_paris","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"},
                  {"type":"function_call_output","call_id":"call_tokyo","output":"sunny"},
                  {"type":"function_call_output","call_id":"call_paris","output":"rainy"}]}""".formatted(model, WEATHER_TOOL);
    }

    @Test
    @SuppressWarnings("unchecked")
    void functionCallOutputsReachAnOpenAiFormatUpstreamAsToolMessagesAnsweringTheirCalls() {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, """
                {"id":"gen-2","object":"chat.completion","created":1,"model":"openai/gpt-4o",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"Tokyo sunny, Paris rainy."},\
                "finish_reason":"stop"}],"usage":{"prompt_tokens":40,"completion_tokens":8,"total_tokens":48}}"""));

        TestServer.Reply reply = post(PATH, withOutputs("openrouter/openai/gpt-4o"));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json()).containsEntry("status", "completed");
        List<Map<String, Object>> messages =
                (List<Map<String, Object>>) openAi.lastRequest().json().get("messages");
        assertThat(messages).extracting(m -> m.get("role")).containsExactly("user", "assistant", "tool", "tool");
        List<Map<String, Object>> calls =
                (List<Map<String, Object>>) messages.get(1).get("tool_calls");
        assertThat(calls).extracting(c -> c.get("id")).containsExactly("call_tokyo", "call_paris");
        assertThat((Map<String, Object>) calls.get(0).get("function"))
                .containsEntry("name", "get_weather")
                .containsEntry("arguments", "{\"city\":\"Tokyo\"}");
        assertThat(messages.get(2)).containsEntry("tool_call_id", "call_tokyo").containsEntry("content", "sunny");
        assertThat(messages.get(3)).containsEntry("tool_call_id", "call_paris").containsEntry("content", "rainy");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFullRoundTripThroughOllamaWithoutToolCallIds() {
        // 1: the model calls the function; Ollama gives no id, so chatd makes a call_… one.
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant","content":"",\
                "tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Tokyo"}}}]},\
                "done":true,"done_reason":"stop","prompt_eval_count":30,"eval_count":12}"""));
        Map<String, Object> first = post(PATH, ask("ollama/llama3.2", false)).json();
        assertThat(first).containsEntry("status", "completed");
        Map<String, Object> call = ((List<Map<String, Object>>) first.get("output")).getFirst();
        assertThat(call)
                .containsEntry("type", "function_call")
                .containsEntry("name", "get_weather")
                .containsEntry("arguments", "{\"city\":\"Tokyo\"}");
        String callId = (String) call.get("call_id");
        assertThat(callId).matches("call_[A-Za-z0-9]+");

        // 2: the client sends the call back with its output, as stateless clients do.
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));
        String second = """
                {"model":"ollama/llama3.2","store":false,"tools":[%s],"input":[
                  {"role":"user","content":"Weather in Tokyo?"},
                  %s,
                  {"type":"function_call_output","call_id":"%s","output":"sunny"}]}""".formatted(WEATHER_TOOL, dev.chatd.kit.json.JsonCodec.writeString(call), callId);
        TestServer.Reply reply = post(PATH, second);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        List<Map<String, Object>> messages =
                (List<Map<String, Object>>) server.fake.lastRequest().json().get("messages");
        assertThat(messages).extracting(m -> m.get("role")).containsExactly("user", "assistant", "tool");
        assertThat(messages.get(2)).containsEntry("tool_name", "get_weather").containsEntry("content", "sunny");
    }

    @Test
    @SuppressWarnings("unchecked")
    void anOllamaCallWithAnIdKeepsItAsTheCallId() {
        // Ollama 0.12.10 and later give each call an id.
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant","content":"",\
                "tool_calls":[{"id":"call_ollama1","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},\
                "done":true,"done_reason":"stop","prompt_eval_count":30,"eval_count":12}"""));

        Map<String, Object> body = post(PATH, ask("ollama/llama3.2", false)).json();

        assertThat((List<Map<String, Object>>) body.get("output"))
                .singleElement()
                .satisfies(item -> assertThat(item)
                        .containsEntry("type", "function_call")
                        .containsEntry("call_id", "call_ollama1")
                        .containsEntry("arguments", "{\"city\":\"Tokyo\"}"));
    }

    @Test
    void aStreamedCallWithoutAnIdGetsACallIdOnItsItem() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"get_weather\","
                                        + "\"arguments\":{\"city\":\"Tokyo\"}}}]"),
                                "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":11,\"eval_count\":4}"));

        try (SseReader reply = stream(ask("ollama/llama3.2", true))) {
            List<SseReader.Event> events = reply.rest();
            assertWellFormed(events);
            @SuppressWarnings("unchecked")
            Map<String, Object> item = (Map<String, Object>) events.stream()
                    .filter(e -> "response.output_item.done".equals(e.name()))
                    .findFirst()
                    .orElseThrow()
                    .json()
                    .get("item");
            assertThat(item).containsEntry("type", "function_call").containsEntry("arguments", "{\"city\":\"Tokyo\"}");
            assertThat((String) item.get("call_id")).matches("call_[A-Za-z0-9]+");
            assertThat(events.getLast().name()).isEqualTo("response.completed");
        }
    }

    // ---- stateless ----

    @Test
    @SuppressWarnings("unchecked")
    void storedResponsesAre404sThatSayChatdKeepsNone() {
        for (HttpRequest.Builder request : List.of(
                server.request(PATH + "/resp_abc", "Authorization", "Bearer " + TOKEN)
                        .GET(),
                server.request(PATH + "/resp_abc", "Authorization", "Bearer " + TOKEN)
                        .DELETE(),
                server.request(PATH + "/resp_abc/cancel", "Authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.noBody()),
                server.request(PATH + "/resp_abc/input_items", "Authorization", "Bearer " + TOKEN)
                        .GET())) {
            TestServer.Reply reply = server.send(request);

            assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
            Map<String, Object> error = (Map<String, Object>) reply.json().get("error");
            assertThat(error).containsEntry("type", "not_found_error").containsEntry("code", "response_not_found");
            assertThat((String) error.get("message"))
                    .contains("resp_abc")
                    .contains("chatd keeps no responses")
                    .contains("store: false");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void previousResponseIdIsA400ThatSaysToSendTheWholeInput() {
        TestServer.Reply reply = post(PATH, """
                {"model":"ollama/llama3.2","previous_response_id":"resp_abc","input":"And Paris?"}""");

        assertThat(reply.status()).isEqualTo(400);
        Map<String, Object> error = (Map<String, Object>) reply.json().get("error");
        assertThat(error).containsEntry("type", "invalid_request_error");
        assertThat((String) error.get("message"))
                .contains("previous_response_id")
                .contains("send the whole conversation as input")
                .contains("store: false");
    }

    // ---- helpers ----

    static List<String> names(List<SseReader.Event> events) {
        return events.stream().map(SseReader.Event::name).toList();
    }

    /** Every event is named, its data's type is its name, and its sequence numbers count from 0. */
    static void assertWellFormed(List<SseReader.Event> events) {
        List<Object> sequence = new ArrayList<>();
        for (SseReader.Event event : events) {
            assertThat(event.name()).isNotNull();
            assertThat(event.json()).containsEntry("type", event.name());
            sequence.add(event.json().get("sequence_number"));
        }
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            expected.add(n(i));
        }
        assertThat(sequence).isEqualTo(expected);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> response(SseReader.Event event) {
        return (Map<String, Object>) event.json().get("response");
    }

    static SseReader stream(String body) throws Exception {
        HttpRequest request = server.request(PATH)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return new SseReader(client.send(request, HttpResponse.BodyHandlers.ofLines()));
    }
}
