package dev.chatd.server;

import static dev.chatd.server.OpenAiChatEndpointTest.line;
import static dev.chatd.server.OpenAiChatEndpointTest.n;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
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
 * {@code POST /api/chat} in-process, in the shapes Ollama clients parse: one object with
 * {@code done}, {@code done_reason} and the eval counts; NDJSON lines by default, the last one
 * carrying the tool calls whole; and Ollama's {@code {"error":"…"}} envelope.
 */
class OllamaChatEndpointTest {
    private static final String PATH = "/api/chat";
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
    void aReplyWithoutStreamingIsOneDoneObject() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"ollama/llama3.2","stream":false,"messages":[{"role":"user","content":"Hi"}]}""");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("content-type")).startsWith("application/json");
        Map<String, Object> body = reply.json();
        assertThat(body)
                .containsEntry("model", "ollama/llama3.2")
                .containsEntry("done", true)
                .containsEntry("done_reason", "stop")
                .containsEntry("prompt_eval_count", n(26))
                .containsEntry("eval_count", n(298))
                .containsKeys("created_at", "total_duration", "load_duration", "prompt_eval_duration", "eval_duration");
        assertThat(((BigDecimal) body.get("total_duration")).signum()).isPositive();
        assertThat((Map<String, Object>) body.get("message"))
                .containsEntry("role", "assistant")
                .containsEntry("content", "Hello! How can I help?");
        assertThat(server.fake.lastRequest().json()).containsEntry("model", "llama3.2");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStreamIsNdjsonLinesEndingInADoneLineWithWholeToolCalls() throws Exception {
        // An OpenAI-format upstream would send the call in pieces; Ollama's clients get it whole either way.
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"Let me \""),
                                line("\"content\":\"check.\""),
                                line(
                                        "\"content\":\"\",\"tool_calls\":[{\"id\":\"call_k3x\",\"function\":{\"name\":\"get_weather\","
                                                + "\"arguments\":{\"city\":\"Tokyo\"}}}]"),
                                "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":30,\"eval_count\":12}"));

        HttpResponse<String> reply = send("""
                {"model":"ollama/llama3.2","messages":[{"role":"user","content":"Weather?"}]}""");

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        assertThat(reply.body()).endsWith("\n");
        List<Map<String, Object>> lines = reply.body()
                .strip()
                .lines()
                .map(String::strip)
                .map(l -> (Map<String, Object>) JsonCodec.parse(l))
                .toList();
        assertThat(lines).hasSize(3);
        for (Map<String, Object> l : lines.subList(0, 2)) {
            assertThat(l)
                    .containsEntry("model", "ollama/llama3.2")
                    .containsEntry("done", false)
                    .containsKey("created_at");
            assertThat((Map<String, Object>) l.get("message")).doesNotContainKey("tool_calls");
        }
        assertThat(lines)
                .extracting(l -> ((Map<String, Object>) l.get("message")).get("content"))
                .containsExactly("Let me ", "check.", "");
        Map<String, Object> last = lines.getLast();
        assertThat(last)
                .containsEntry("done", true)
                .containsEntry("done_reason", "stop")
                .containsEntry("prompt_eval_count", n(30))
                .containsEntry("eval_count", n(12))
                .containsKey("total_duration");
        List<Object> calls = (List<Object>) ((Map<String, Object>) last.get("message")).get("tool_calls");
        assertThat(calls).hasSize(1);
        Map<String, Object> call = (Map<String, Object>) calls.getFirst();
        assertThat(call).containsEntry("id", "call_k3x");
        assertThat((Map<String, Object>) call.get("function"))
                .containsEntry("index", n(0))
                .containsEntry("name", "get_weather")
                .containsEntry("arguments", Map.of("city", "Tokyo"));
    }

    @Test
    void aFailureMidStreamIsALastErrorLine() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().lines(line("\"content\":\"Hel\"")).cut());

        HttpResponse<String> reply = send("""
                {"model":"ollama/llama3.2","messages":[{"role":"user","content":"Hi"}]}""");

        assertThat(reply.statusCode()).isEqualTo(200);
        List<String> lines = reply.body().strip().lines().map(String::strip).toList();
        assertThat(lines).hasSize(2);
        Map<?, ?> last = (Map<?, ?>) JsonCodec.parse(lines.getLast());
        assertThat(last.size()).isEqualTo(1);
        assertThat(last.get("error")).isInstanceOf(String.class);
    }

    @Test
    void errorsAreOllamasEnvelope() {
        TestServer.Reply unknown = server.post(PATH, """
                {"model":"ollama_cloud/m","messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().keySet()).containsExactly("error");
        assertThat((String) unknown.json().get("error")).contains("ollama_cloud", "OLLAMA_API_KEY");

        TestServer.Reply malformed = server.post(PATH, "[1,2");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat((String) malformed.json().get("error")).startsWith("the request body is not valid JSON");

        // A streaming call that fails before the first line is an HTTP error, not a line.
        server.fake.on(
                "POST", "/api/chat", FakeUpstream.json(500, "{\"error\":\"llama runner process has terminated\"}"));
        TestServer.Reply failed = server.post(PATH, TestServer.HELLO);
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.header("content-type")).startsWith("application/json");
        assertThat((String) failed.json().get("error")).contains("llama runner process has terminated");
    }

    private static HttpResponse<String> send(String json) throws Exception {
        HttpRequest request = server.request(PATH)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
