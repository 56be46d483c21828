package dev.chatd.server;

import static dev.chatd.server.OpenAiChatEndpointTest.line;
import static dev.chatd.server.OpenAiChatEndpointTest.n;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /api/generate} in-process, through an Ollama fake and an OpenAI-format one: the
 * prompt goes upstream as a chat read exactly as {@code /api/chat} reads one, and the answer
 * comes back in Ollama's generate shape, streamed and not; a request without a prompt is
 * answered without the upstream; what a chat cannot carry is refused with a 400.
 */
class OllamaGenerateEndpointTest {
    private static final String PATH = "/api/generate";
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk";
    private static final String OPENAI_REPLY = """
            {"id":"gen-1","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o",\
            "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there."},"finish_reason":"length"}],\
            "usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15}}""";

    private static FakeUpstream openai;
    private static TestServer server;

    @BeforeAll
    static void start() {
        openai = FakeUpstream.start();
        server = TestServer.builder()
                .config("chatd.providers.openrouter.base-url", openai.baseUrl().toString())
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        openai.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPromptWithoutStreamingIsOneObjectWithTheWholeResponse() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"ollama/llama3.2","prompt":"Hi","system":"Be brief","stream":false}""");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("content-type")).startsWith("application/json");
        Map<String, Object> body = reply.json();
        assertThat(body)
                .containsEntry("model", "ollama/llama3.2")
                .containsEntry("response", "Hello! How can I help?")
                .containsEntry("done", true)
                .containsEntry("done_reason", "stop")
                .containsEntry("prompt_eval_count", n(26))
                .containsEntry("eval_count", n(298))
                .containsKeys("created_at", "total_duration", "load_duration", "eval_duration")
                .doesNotContainKeys("message", "context");
        Map<String, Object> sent = server.fake.lastRequest().json();
        assertThat(sent).containsEntry("model", "llama3.2").doesNotContainKeys("prompt", "system");
        assertThat((List<Object>) sent.get("messages"))
                .containsExactly(
                        Map.of("role", "system", "content", "Be brief"), Map.of("role", "user", "content", "Hi"));
    }

    @Test
    void optionsFormatThinkImagesAndKeepAliveReachTheUpstreamExactlyAsFromApiChat() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));
        String shared = """
                "format":{"type":"object","properties":{"a":{"type":"string"}}},\
                "options":{"temperature":0.2,"num_predict":64,"stop":["END"],"num_ctx":4096},\
                "think":true,"keep_alive":"10m","stream":false""";

        server.post(
                PATH,
                "{\"model\":\"ollama/llava\",\"prompt\":\"What is this?\",\"images\":[\"" + PNG + "\"]," + shared
                        + "}");
        Map<String, Object> fromGenerate = server.fake.lastRequest().json();
        server.post(
                "/api/chat",
                "{\"model\":\"ollama/llava\",\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"What is this?\",\"images\":[\"" + PNG + "\"]}]," + shared + "}");
        Map<String, Object> fromChat = server.fake.lastRequest().json();

        assertThat(fromGenerate).isEqualTo(fromChat);
        assertThat(fromGenerate)
                .containsEntry("think", true)
                .containsEntry("keep_alive", "10m")
                .containsKey("format")
                .containsKey("options");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStreamThroughAnOpenAiFormatProviderIsResponsePiecesEndingInADoneLine() {
        openai.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                chunk("{\"role\":\"assistant\",\"content\":\"Hel\"}", null),
                                chunk("{\"content\":\"lo.\"}", null),
                                chunk("{}", "\"stop\""),
                                "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                                        + "\"model\":\"openai/gpt-4o\",\"choices\":[],"
                                        + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6,\"total_tokens\":15}}")
                        .done());

        TestServer.Reply reply = server.post(PATH, """
                {"model":"openrouter/openai/gpt-4o","prompt":"Hi","system":"Be brief","options":{"num_predict":20}}""");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("content-type")).isEqualTo("application/x-ndjson");
        List<Map<String, Object>> lines = lines(reply.body());
        assertThat(lines).extracting(l -> l.get("response")).containsExactly("Hel", "lo.", "");
        for (Map<String, Object> l : lines.subList(0, 2)) {
            assertThat(l)
                    .containsEntry("model", "openrouter/openai/gpt-4o")
                    .containsEntry("done", false)
                    .containsKey("created_at");
        }
        assertThat(lines.getLast())
                .containsEntry("done", true)
                .containsEntry("done_reason", "stop")
                .containsEntry("prompt_eval_count", n(9))
                .containsEntry("eval_count", n(6));
        Map<String, Object> sent = openai.lastRequest().json();
        assertThat(sent)
                .containsEntry("model", "openai/gpt-4o")
                .containsEntry("stream", true)
                .containsEntry("max_tokens", n(20));
        assertThat((List<Object>) sent.get("messages"))
                .containsExactly(
                        Map.of("role", "system", "content", "Be brief"), Map.of("role", "user", "content", "Hi"));
    }

    @Test
    void aReplyThroughAnOpenAiFormatProviderKeepsItsFinishReason() {
        openai.on("POST", "/chat/completions", FakeUpstream.json(200, OPENAI_REPLY));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"openrouter/openai/gpt-4o","prompt":"Hi","stream":false}""");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json())
                .containsEntry("response", "Hello there.")
                .containsEntry("done", true)
                .containsEntry("done_reason", "length")
                .containsEntry("prompt_eval_count", n(9))
                .containsEntry("eval_count", n(6));
    }

    @Test
    void thinkingArrivesInItsOwnFieldStreamedAndNot() {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"\",\"thinking\":\"Hmm.\""),
                                line("\"content\":\"Yes.\""),
                                "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":3,\"eval_count\":2}"));

        List<Map<String, Object>> lines = lines(server.post(PATH, """
                        {"model":"ollama/qwen3","prompt":"Sure?","think":true}""").body());

        assertThat(lines.getFirst()).containsEntry("thinking", "Hmm.").containsEntry("response", "");
        assertThat(lines.get(1)).containsEntry("response", "Yes.").doesNotContainKey("thinking");
        assertThat(lines.getLast()).containsEntry("done", true);

        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"qwen3","message":{"role":"assistant","content":"Yes.","thinking":"Hmm."},\
                "done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":2}"""));
        assertThat(server.post(PATH, """
                        {"model":"ollama/qwen3","prompt":"Sure?","think":true,"stream":false}""").json())
                .containsEntry("response", "Yes.")
                .containsEntry("thinking", "Hmm.");
    }

    @Test
    void aRequestWithoutAPromptLoadsAtOnceWithoutCallingTheUpstream() {
        int before = server.fake.requests().size();

        TestServer.Reply load = server.post(PATH, "{\"model\":\"ollama/llama3.2\"}");
        TestServer.Reply unload = server.post(PATH, """
                {"model":"ollama/llama3.2","prompt":"","keep_alive":0}""");

        assertThat(load.status()).isEqualTo(200);
        assertThat(load.json())
                .containsEntry("model", "ollama/llama3.2")
                .containsEntry("response", "")
                .containsEntry("done", true)
                .containsEntry("done_reason", "load")
                .containsKey("created_at");
        assertThat(unload.json()).containsEntry("done_reason", "unload");
        assertThat(server.fake.requests()).hasSize(before);

        // The model is still routed: one no provider serves is the usual 404.
        TestServer.Reply unknown = server.post(PATH, "{\"model\":\"ollama_cloud/m\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().keySet()).containsExactly("error");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"raw\":true",
                "\"template\":\"{{ .Prompt }}\"",
                "\"suffix\":\"return x\"",
                "\"context\":[1,2,3]"
            })
    void whatAChatCannotCarryIsRefusedWithA400ThatSaysWhatToDo(String field) {
        int before = server.fake.requests().size();

        TestServer.Reply reply =
                server.post(PATH, "{\"model\":\"ollama/llama3.2\",\"prompt\":\"def f(\"," + field + "}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().keySet()).containsExactly("error");
        String name = field.substring(1, field.indexOf('"', 1));
        assertThat((String) reply.json().get("error")).contains("chatd does not support \"" + name + "\"");
        assertThat(server.fake.requests()).hasSize(before);
    }

    @Test
    void whatDoesNoHarmIsAccepted() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"ollama/llama3.2","prompt":"Hi","raw":false,"template":"","suffix":"","context":[],"stream":false}""");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(server.fake.lastRequest().json()).doesNotContainKeys("raw", "template", "suffix", "context");
    }

    @Test
    void errorsAreOllamasEnvelopeBeforeAndDuringTheStream() {
        server.fake.on(
                "POST", "/api/chat", FakeUpstream.json(500, "{\"error\":\"llama runner process has terminated\"}"));
        TestServer.Reply failed = server.post(PATH, """
                {"model":"ollama/llama3.2","prompt":"Hi"}""");
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.json().keySet()).containsExactly("error");
        assertThat((String) failed.json().get("error")).contains("llama runner process has terminated");

        TestServer.Reply malformed =
                server.post(PATH, "{\"model\":\"ollama/llama3.2\",\"prompt\":\"Hi\",\"images\":[1]}");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat((String) malformed.json().get("error")).contains("images");

        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().lines(line("\"content\":\"Hel\"")).cut());
        List<Map<String, Object>> lines = lines(server.post(PATH, """
                        {"model":"ollama/llama3.2","prompt":"Hi"}""").body());
        assertThat(lines).hasSize(2);
        assertThat(lines.getFirst()).containsEntry("response", "Hel");
        assertThat(lines.getLast().keySet()).containsExactly("error");
    }

    private static String chunk(String delta, String finish) {
        return "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"openai/gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}";
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> lines(String body) {
        return body.strip()
                .lines()
                .map(String::strip)
                .map(l -> (Map<String, Object>) JsonCodec.parse(l))
                .toList();
    }
}
