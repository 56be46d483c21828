package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code POST /chat} through chatd to a fake Ollama and back. */
class ChatRoundTripTest {

    @ParameterizedTest
    @ValueSource(strings = {"/chat", "/v1/chat"})
    void answersInTheNativeShapeWithTheModelAsRequested(String path) {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = server.post(path, TestServer.HELLO);

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            Map<String, Object> body = reply.json();
            assertThat((String) body.get("id")).isNotBlank();
            assertThat(body.get("model")).isEqualTo("ollama/llama3.2");
            assertThat(body.get("provider")).isEqualTo("ollama");
            assertThat(body.get("message")).isInstanceOf(Map.class);
            Map<?, ?> message = (Map<?, ?>) body.get("message");
            assertThat(message.get("role")).isEqualTo("assistant");
            assertThat(message.get("content")).isEqualTo("Hello! How can I help?");
            assertThat(body.get("finish_reason")).isEqualTo("stop");
            Map<?, ?> usage = (Map<?, ?>) body.get("usage");
            assertThat(usage.get("prompt_tokens")).isEqualTo(new BigDecimal(26));
            assertThat(usage.get("completion_tokens")).isEqualTo(new BigDecimal(298));
            assertThat(usage.get("total_tokens")).isEqualTo(new BigDecimal(324));
            assertThat(body.get("latency_ms")).isInstanceOf(BigDecimal.class);
            assertThat(((BigDecimal) body.get("latency_ms")).signum()).isGreaterThanOrEqualTo(0);

            FakeUpstream.Recorded sent = server.fake.lastRequest();
            assertThat(sent.method()).isEqualTo("POST");
            assertThat(sent.path()).isEqualTo("/api/chat");
            Map<String, Object> upstream = sent.json();
            assertThat(upstream.get("model")).as("routing prefix stripped").isEqualTo("llama3.2");
            assertThat(upstream.get("stream"))
                    .as("stream must be explicit: absent means streaming")
                    .isEqualTo(false);
            assertThat(upstream.get("messages")).isEqualTo(List.of(Map.of("role", "user", "content", "Hi")));
            assertThat(sent.header("Authorization"))
                    .as("local Ollama gets no key")
                    .isNull();
        }
    }

    @Test
    void bareModelGoesToTheDefaultProviderUnchanged() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = server.post("/chat", """
                    {"model":"hf.co/org/model:Q4_K_M","messages":[{"role":"user","content":"Hi"}]}""");

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.json().get("model")).isEqualTo("hf.co/org/model:Q4_K_M");
            assertThat(reply.json().get("provider")).isEqualTo("ollama");
            assertThat(server.fake.lastRequest().json().get("model")).isEqualTo("hf.co/org/model:Q4_K_M");
        }
    }

    @Test
    void samplingOptionsGoIntoOllamaOptions() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = server.post("/chat", """
                    {"model":"llama3.2","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],
                     "temperature":0.2,"top_p":0.9,"max_tokens":64,"seed":42,"stop":["\\n\\n","END"]}""");

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            Map<String, Object> sent = server.fake.lastRequest().json();
            assertThat(sent.get("options")).isInstanceOf(Map.class);
            Map<?, ?> options = (Map<?, ?>) sent.get("options");
            assertThat((BigDecimal) options.get("temperature")).isEqualByComparingTo("0.2");
            assertThat((BigDecimal) options.get("top_p")).isEqualByComparingTo("0.9");
            assertThat((BigDecimal) options.get("num_predict")).isEqualByComparingTo("64");
            assertThat((BigDecimal) options.get("seed")).isEqualByComparingTo("42");
            assertThat(options.get("stop")).isEqualTo(List.of("\n\n", "END"));
            assertThat(sent).doesNotContainKeys("temperature", "top_p", "max_tokens", "seed", "stop");
            assertThat(sent.get("messages"))
                    .isEqualTo(List.of(
                            Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", "Hi")));
        }
    }

    @Test
    void fieldsChatdDoesNotModelReachTheUpstreamUnchanged() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = server.post("/chat", """
                    {"model":"llama3.2","messages":[{"role":"user","content":"Hi"}],
                     "keep_alive":"5m","think":true,"format":{"type":"object","properties":{"a":{"type":"string"}}},
                     "options":{"num_ctx":8192},"temperature":0.5}""");

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            Map<String, Object> sent = server.fake.lastRequest().json();
            assertThat(sent.get("keep_alive")).isEqualTo("5m");
            assertThat(sent.get("think")).isEqualTo(true);
            assertThat(sent.get("format"))
                    .isEqualTo(Map.of("type", "object", "properties", Map.of("a", Map.of("type", "string"))));
            Map<?, ?> options = (Map<?, ?>) sent.get("options");
            assertThat((BigDecimal) options.get("num_ctx"))
                    .as("caller's own options kept")
                    .isEqualByComparingTo("8192");
            assertThat((BigDecimal) options.get("temperature")).isEqualByComparingTo("0.5");
            assertThat(sent.get("stream")).isEqualTo(false);
        }
    }

    @Test
    void lengthAndMissingDoneReasonAreMappedForTheCaller() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, """
                    {"model":"llama3.2","message":{"role":"assistant","content":"Once upon"},"done":true,
                     "done_reason":"length","prompt_eval_count":3,"eval_count":2}"""));
            assertThat(server.post("/chat", TestServer.HELLO).json().get("finish_reason"))
                    .isEqualTo("length");

            // Ollama before 0.1.35: no done_reason, no counts.
            server.fake.on("POST", "/api/chat", json(200, """
                    {"model":"llama3.2","message":{"role":"assistant","content":"Hi"},"done":true}"""));
            Map<String, Object> body = server.post("/chat", TestServer.HELLO).json();
            assertThat(body.get("finish_reason")).isEqualTo("stop");
            assertThat(body.get("usage"))
                    .isEqualTo(Map.of(
                            "prompt_tokens",
                            BigDecimal.ZERO,
                            "completion_tokens",
                            BigDecimal.ZERO,
                            "total_tokens",
                            BigDecimal.ZERO));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ollama_cloud/deepseek-v3.2", "deepseek-v3.2:cloud"})
    void cloudModelsGoToOllamaCloudWithTheKeyAndWithoutTheRoutingMark(String model) {
        try (TestServer server =
                TestServer.builder().env("OLLAMA_API_KEY", "cloud-key-123").start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = server.post(
                    "/chat", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.json().get("model")).isEqualTo(model);
            assertThat(reply.json().get("provider")).isEqualTo("ollama_cloud");
            FakeUpstream.Recorded sent = server.fake.lastRequest();
            assertThat(sent.json().get("model")).isEqualTo("deepseek-v3.2");
            assertThat(sent.header("Authorization")).isEqualTo("Bearer cloud-key-123");
        }
    }

    @Test
    void configuredHeadersAreSentToTheUpstream() {
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama.headers.X-Team", "search")
                .config("chatd.providers.ollama.headers.X-Trace", "on")
                .start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertThat(server.post("/chat", TestServer.HELLO).status()).isEqualTo(200);

            FakeUpstream.Recorded sent = server.fake.lastRequest();
            assertThat(sent.header("X-Team")).isEqualTo("search");
            assertThat(sent.header("X-Trace")).isEqualTo("on");
        }
    }
}
