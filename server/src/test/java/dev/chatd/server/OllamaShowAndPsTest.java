package dev.chatd.server;

import static dev.chatd.server.OpenAiChatEndpointTest.n;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ollama's {@code POST /api/show} (from an upstream that says, one that says little, and one
 * that says nothing), {@code GET /api/ps}, and the 404 of everything else under {@code /api/}.
 */
class OllamaShowAndPsTest {
    /** What Ollama 0.9 answers for a thinking model, trimmed to the fields that matter. */
    private static final String QWEN3_SHOW = """
            {"license":"Apache 2.0","modelfile":"FROM /models/blobs/sha256-a3de","parameters":"temperature 0.6\\ntop_k 20",\
            "template":"{{ .Prompt }}","details":{"parent_model":"","format":"gguf","family":"qwen3","families":["qwen3"],\
            "parameter_size":"8.2B","quantization_level":"Q4_K_M"},"model_info":{"general.architecture":"qwen3",\
            "general.parameter_count":8190735360,"qwen3.context_length":40960,"qwen3.embedding_length":4096},\
            "capabilities":["completion","tools","thinking"],"modified_at":"2025-06-01T10:55:38.123456-08:00"}""";

    /** OpenRouter's {@code GET /models}, two entries trimmed to the fields that matter. */
    private static final String OPENROUTER_MODELS = """
            {"data":[{"id":"openai/gpt-4o","name":"OpenAI: GPT-4o","context_length":128000,\
            "architecture":{"modality":"text+image->text","input_modalities":["text","image","file"],\
            "output_modalities":["text"],"tokenizer":"GPT"},\
            "supported_parameters":["max_tokens","temperature","tools","tool_choice","response_format"]},\
            {"id":"deepseek/deepseek-r1","context_length":163840,\
            "architecture":{"input_modalities":["text"],"output_modalities":["text"]},\
            "supported_parameters":["max_tokens","reasoning","include_reasoning"]}]}""";

    private static FakeUpstream kimi;
    private static FakeUpstream openrouter;
    private static TestServer server;

    @BeforeAll
    static void start() {
        kimi = FakeUpstream.start();
        openrouter = FakeUpstream.start().on("GET", "/models", FakeUpstream.json(200, OPENROUTER_MODELS));
        server = TestServer.builder()
                .config("chatd.providers.kimi.base-url", kimi.baseUrl().toString())
                .env("KIMI_API_KEY", "sk-kimi-test")
                .config(
                        "chatd.providers.openrouter.base-url",
                        openrouter.baseUrl().toString())
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        kimi.close();
        openrouter.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void openRoutersModelListSaysContextLengthVisionToolsAndThinking() {
        Map<String, Object> gpt = server.post("/api/show", "{\"model\":\"openrouter/openai/gpt-4o\"}")
                .json();
        Map<String, Object> r1 = server.post("/api/show", "{\"model\":\"openrouter/deepseek/deepseek-r1\"}")
                .json();

        assertThat(gpt).containsEntry("capabilities", List.of("completion", "tools", "vision"));
        assertThat((Map<String, Object>) gpt.get("model_info"))
                .containsEntry("general.architecture", "gpt")
                .containsEntry("gpt.context_length", n(128000));
        assertThat(r1).containsEntry("capabilities", List.of("completion", "thinking"));
        assertThat((Map<String, Object>) r1.get("model_info")).containsEntry("deepseek.context_length", n(163840));
        // The list is large: asked once, then kept for a while.
        assertThat(openrouter.requests())
                .extracting(FakeUpstream.Recorded::path)
                .containsExactly("/models");

        TestServer.Reply unknown = server.post("/api/show", "{\"model\":\"openrouter/nope/nope-1\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json()).isEqualTo(Map.of("error", "model 'openrouter/nope/nope-1' not found"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void showAsksTheOllamaUpstreamAndAnswersInOllamasShape() {
        server.fake.on("POST", "/api/show", FakeUpstream.json(200, QWEN3_SHOW));

        TestServer.Reply reply = server.post("/api/show", "{\"model\":\"ollama/qwen3:8b\"}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(server.fake.lastRequest().path()).isEqualTo("/api/show");
        assertThat(server.fake.lastRequest().json()).isEqualTo(Map.of("model", "qwen3:8b"));
        Map<String, Object> body = reply.json();
        assertThat((Map<String, Object>) body.get("details"))
                .containsEntry("format", "gguf")
                .containsEntry("family", "qwen3")
                .containsEntry("families", List.of("qwen3"))
                .containsEntry("parameter_size", "8.2B")
                .containsEntry("quantization_level", "Q4_K_M");
        assertThat((Map<String, Object>) body.get("model_info"))
                .containsEntry("general.architecture", "qwen3")
                .containsEntry("qwen3.context_length", n(40960))
                .containsEntry("general.parameter_count", n(8190735360L));
        assertThat(body)
                .containsEntry("capabilities", List.of("completion", "tools", "thinking"))
                .containsEntry("parameters", "temperature 0.6\ntop_k 20")
                .containsEntry("modified_at", "2025-06-01T18:55:38.123456Z")
                .containsEntry("template", "")
                .containsEntry("modelfile", "");
    }

    @Test
    @SuppressWarnings("unchecked")
    void olderClientsNameTheModelAndAVisionModelSaysSo() {
        server.fake.on("POST", "/api/show", FakeUpstream.json(200, """
                {"details":{"format":"gguf","family":"llama","families":["llama","mllama"]},\
                "model_info":{"general.architecture":"mllama","mllama.context_length":131072},\
                "capabilities":["completion","vision"]}"""));

        Map<String, Object> body =
                server.post("/api/show", "{\"name\":\"llama3.2-vision\"}").json();

        assertThat(server.fake.lastRequest().json()).isEqualTo(Map.of("model", "llama3.2-vision"));
        assertThat(body).containsEntry("capabilities", List.of("completion", "vision"));
        assertThat((Map<String, Object>) body.get("model_info")).containsEntry("mllama.context_length", n(131072));
        assertThat((Map<String, Object>) body.get("details")).containsEntry("families", List.of("llama", "mllama"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void anOllamaThatSaysLittleIsCompletedWithWhatChatdKnows() {
        // Ollama before 0.6 sends no capabilities and no model_info.
        server.fake.on("POST", "/api/show", FakeUpstream.json(200, """
                {"modelfile":"FROM x","details":{"format":"gguf","family":"","parameter_size":"3.2B"}}"""));

        Map<String, Object> body = server.post("/api/show", "{\"model\":\"ollama/llama3.2:latest\"}")
                .json();

        assertThat(body).containsEntry("capabilities", List.of("completion", "tools"));
        assertThat((Map<String, Object>) body.get("details"))
                .containsEntry("family", "llama")
                .containsEntry("parameter_size", "3.2B");
        assertThat((Map<String, Object>) body.get("model_info")).containsOnlyKeys("general.architecture");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aProviderThatSaysNothingGetsWhatChatdKnowsWithoutAContextLength() {
        int before = kimi.requests().size();

        TestServer.Reply reply = server.post("/api/show", "{\"model\":\"kimi/kimi-for-coding\"}");

        assertThat(reply.status()).isEqualTo(200);
        Map<String, Object> body = reply.json();
        assertThat(body).containsEntry("capabilities", List.of("completion", "tools"));
        assertThat((Map<String, Object>) body.get("details")).containsEntry("family", "kimi");
        assertThat((Map<String, Object>) body.get("model_info"))
                .containsOnlyKeys("general.architecture")
                .containsEntry("general.architecture", "kimi");
        assertThat(body).containsKeys("modified_at", "parameters", "template");
        assertThat(kimi.requests()).hasSize(before);
    }

    @Test
    void aModelTheUpstreamDoesNotKnowIsOllamasNotFound() {
        server.fake.on("POST", "/api/show", FakeUpstream.json(404, "{\"error\":\"model 'nope' not found\"}"));

        TestServer.Reply reply = server.post("/api/show", "{\"model\":\"ollama/nope\"}");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json()).isEqualTo(Map.of("error", "model 'ollama/nope' not found"));
    }

    @Test
    void showErrorsAreOllamasEnvelope() {
        server.fake.on("POST", "/api/show", FakeUpstream.json(500, "{\"error\":\"out of memory\"}"));
        TestServer.Reply failed = server.post("/api/show", "{\"model\":\"ollama/qwen3\"}");
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.json().keySet()).containsExactly("error");
        assertThat((String) failed.json().get("error")).contains("out of memory");

        TestServer.Reply noModel = server.post("/api/show", "{}");
        assertThat(noModel.status()).isEqualTo(400);
        assertThat((String) noModel.json().get("error")).contains("model is required");

        TestServer.Reply unconfigured = server.post("/api/show", "{\"model\":\"ollama_cloud/m\"}");
        assertThat(unconfigured.status()).isEqualTo(404);
        assertThat((String) unconfigured.json().get("error")).contains("OLLAMA_API_KEY");
    }

    @Test
    @SuppressWarnings("unchecked")
    void psListsTheModelsServedInTheLastFiveMinutesMostRecentFirst() {
        try (TestServer fresh = TestServer.start()) {
            assertThat(fresh.get("/api/ps").json()).isEqualTo(Map.of("models", List.of()));
            fresh.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));
            Instant before = Instant.now();

            fresh.post("/api/chat", TestServer.HELLO);
            fresh.post("/v1/chat/completions", """
                    {"model":"qwen3:8b","messages":[{"role":"user","content":"Hi"}]}""");
            fresh.post("/api/generate", "{\"model\":\"gemma3\"}"); // loads only: serves nothing

            TestServer.Reply reply = fresh.get("/api/ps");
            assertThat(reply.status()).isEqualTo(200);
            List<Map<String, Object>> models =
                    (List<Map<String, Object>>) reply.json().get("models");
            assertThat(models).extracting(m -> m.get("name")).containsExactly("qwen3:8b", "ollama/llama3.2");
            Map<String, Object> latest = models.getFirst();
            assertThat(latest)
                    .containsEntry("model", "qwen3:8b")
                    .containsEntry("size", n(0))
                    .containsEntry("size_vram", n(0))
                    .containsKeys("digest", "details");
            assertThat((Map<String, Object>) latest.get("details")).containsEntry("family", "qwen");
            Instant expires = Instant.parse((String) latest.get("expires_at"));
            assertThat(expires)
                    .isBetween(before.plus(Duration.ofMinutes(5)), Instant.now().plus(Duration.ofMinutes(5)));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "POST /api/embed",
                "POST /api/embeddings",
                "POST /api/pull",
                "POST /api/create",
                "GET /api/nosuch",
                "DELETE /api/delete"
            })
    void everythingElseUnderApiIsOllamas404NamingWhatChatdServes(String request) {
        String method = request.substring(0, request.indexOf(' '));
        String path = request.substring(request.indexOf(' ') + 1);

        TestServer.Reply reply = server.send(server.request(path)
                .header("Content-Type", "application/json")
                .method(method, java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2\"}")));

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().keySet()).containsExactly("error");
        assertThat((String) reply.json().get("error"))
                .startsWith("no route for " + request + "; under /api/ chatd serves ")
                .contains(
                        "POST /api/chat",
                        "POST /api/generate",
                        "POST /api/show",
                        "GET /api/tags",
                        "GET /api/ps",
                        "GET /api/version")
                .doesNotContain("/v1/chat/completions");
    }
}
