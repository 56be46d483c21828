package dev.chatd.provider.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.ProviderDiscovery;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.TestProviderContext;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OllamaProviderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String KEY = "sk-ollama-cloud-test-key";
    private static final String HELLO_REPLY = """
            {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant","content":"Hello!"},
             "done":true,"done_reason":"stop","total_duration":5191566416,"load_duration":2154458,
             "prompt_eval_count":26,"prompt_eval_duration":383809000,"eval_count":298,"eval_duration":4799921000}
            """;

    private final FakeUpstream fake = FakeUpstream.start();

    @AfterEach
    void stopFake() {
        fake.close();
    }

    private ChatProvider local() {
        return new OllamaProviderFactory()
                .create(TestProviderContext.of("ollama", fake.baseUrl(), TIMEOUT))
                .orElseThrow();
    }

    private ChatProvider cloud() {
        return new OllamaCloudProviderFactory()
                .create(TestProviderContext.of("ollama_cloud", fake.baseUrl(), TIMEOUT)
                        .withKey(KEY))
                .orElseThrow();
    }

    private static ChatRequest hello(String model) {
        return ChatRequest.builder()
                .model(model)
                .addMessage(Message.of(Role.USER, "Hello"))
                .build();
    }

    private long versionProbes() {
        return fake.requests().stream()
                .filter(r -> r.path().equals("/api/version"))
                .count();
    }

    @Test
    void plainChatRoundTrip() {
        fake.on("POST", "/api/chat", FakeUpstream.json(200, HELLO_REPLY));
        ChatRequest request = ChatRequest.builder()
                .model("llama3.2")
                .addMessage(Message.of(Role.SYSTEM, "Be brief."))
                .addMessage(Message.of(Role.USER, "Hello"))
                .temperature(0.3)
                .maxTokens(64)
                .build();

        ChatResponse response = local().chat(request);

        assertThat(response.message().text()).isEqualTo("Hello!");
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.usage()).isEqualTo(Usage.of(26, 298));
        Map<String, Object> sent = fake.lastRequest().json();
        assertThat(fake.lastRequest().path()).isEqualTo("/api/chat");
        assertThat(sent).containsEntry("model", "llama3.2").containsEntry("stream", false);
        assertThat(sent.get("options"))
                .isEqualTo(Map.of("temperature", new BigDecimal("0.3"), "num_predict", new BigDecimal("64")));
        assertThat(sent.get("messages"))
                .isEqualTo(List.of(
                        Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", "Hello")));
    }

    @Test
    void providerNamesAreTheFactoryNames() {
        assertThat(local().name()).isEqualTo("ollama");
        assertThat(cloud().name()).isEqualTo("ollama_cloud");
    }

    @Test
    void localOllamaSendsNoAuthorizationHeader() {
        fake.on("POST", "/api/chat", FakeUpstream.json(200, HELLO_REPLY));

        local().chat(hello("llama3.2"));

        assertThat(fake.lastRequest().header("Authorization")).isNull();
    }

    @Test
    void ollamaCloudSendsTheKeyAsBearer() {
        fake.on("POST", "/api/chat", FakeUpstream.json(200, HELLO_REPLY));

        ChatResponse response = cloud().chat(hello("gpt-oss:120b"));

        assertThat(response.message().text()).isEqualTo("Hello!");
        assertThat(fake.lastRequest().header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(fake.lastRequest().json())
                .containsEntry("model", "gpt-oss:120b")
                .containsEntry("stream", false);
    }

    @Test
    void cloudFactoryCreatesNothingWithoutAKey() {
        assertThat(new OllamaCloudProviderFactory()
                        .create(TestProviderContext.of("ollama_cloud", fake.baseUrl(), TIMEOUT)))
                .isEmpty();
    }

    @Test
    void factoriesDeclareTheirDefaults() {
        assertThat(new OllamaProviderFactory().defaults().baseUrl()).isEqualTo(URI.create("http://localhost:11434"));
        assertThat(new OllamaProviderFactory().defaults().needsKey()).isFalse();
        assertThat(new OllamaCloudProviderFactory().defaults().baseUrl()).isEqualTo(URI.create("https://ollama.com"));
        assertThat(new OllamaCloudProviderFactory().defaults().keyEnv()).isEqualTo("OLLAMA_API_KEY");
    }

    @Test
    void serviceLoaderFindsBothFactories() {
        List<ChatProviderFactory> found = ProviderDiscovery.discover(getClass().getClassLoader());

        assertThat(found).extracting(ChatProviderFactory::name).contains("ollama", "ollama_cloud");
    }

    @Test
    void unknownModelIsModelNotFound() {
        fake.on("POST", "/api/chat", FakeUpstream.json(404, "{\"error\":\"model 'foo' not found\"}"));

        assertThatThrownBy(() -> local().chat(hello("foo")))
                .isInstanceOf(ChatException.ModelNotFound.class)
                .hasMessageContaining("model 'foo' not found");
    }

    @Test
    void serverErrorIsAnUpstreamFailure() {
        fake.on("POST", "/api/chat", FakeUpstream.json(502, "{\"error\":\"cloud model unreachable\"}"));

        assertThatThrownBy(() -> cloud().chat(hello("gpt-oss:120b")))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("cloud model unreachable");
    }

    @Test
    void rejectedCloudKeyIsAnUpstreamAuthProblemWithoutTheKey() {
        fake.on("POST", "/api/chat", FakeUpstream.json(401, "{\"error\":\"unauthorized: " + KEY + "\"}"));

        assertThatThrownBy(() -> cloud().chat(hello("gpt-oss:120b")))
                .isInstanceOf(ChatException.UpstreamAuth.class)
                .hasMessageNotContaining(KEY);
    }

    @Test
    void htmlInsteadOfJsonIsAnUpstreamFailure() {
        fake.on("POST", "/api/chat", FakeUpstream.body(200, "text/html", "<html>captive portal</html>"));

        assertThatThrownBy(() -> local().chat(hello("llama3.2"))).isInstanceOf(ChatException.UpstreamFailure.class);
    }

    @Test
    void availableWhenVersionAnswers() {
        fake.on("GET", "/api/version", FakeUpstream.json(200, "{\"version\":\"0.5.1\"}"));

        assertThat(local().available()).isTrue();
        assertThat(versionProbes()).isEqualTo(1);
    }

    @Test
    void unavailableWhenTheServerIsDown() {
        FakeUpstream gone = FakeUpstream.start();
        URI address = gone.baseUrl();
        gone.close();
        ChatProvider provider = new OllamaProviderFactory()
                .create(TestProviderContext.of("ollama", address, TIMEOUT))
                .orElseThrow();

        long start = System.nanoTime();
        assertThat(provider.available()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void unavailableWhenVersionFails() {
        fake.on("GET", "/api/version", FakeUpstream.json(500, "{\"error\":\"boom\"}"));

        assertThat(local().available()).isFalse();
    }

    @Test
    void availabilityIsCachedForAFewSeconds() {
        fake.on("GET", "/api/version", FakeUpstream.json(200, "{\"version\":\"0.5.1\"}"));
        fake.on("GET", "/api/tags", FakeUpstream.json(200, "{\"models\":[]}"));
        ChatProvider provider = local();
        // The probe allows 2 s; building the HTTP client in a fresh JVM on a loaded machine can
        // take longer (chatd warms it at start-up), so a first call that is not a probe warms it.
        provider.models();

        assertThat(provider.available()).isTrue();
        fake.on("GET", "/api/version", FakeUpstream.json(500, "{\"error\":\"down\"}"));
        assertThat(provider.available()).isTrue();
        assertThat(provider.available()).isTrue();

        assertThat(versionProbes()).isEqualTo(1);
    }

    @Test
    void cloudIsAvailableWithoutProbing() {
        assertThat(cloud().available()).isTrue();
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void toolCallRoundTrip() {
        Map<String, Object> parameters = Map.of(
                "type", "object", "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));
        Tool weather = new Tool("get_weather", "Current weather for a city", parameters);
        fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"llama3.2","message":{"role":"assistant","content":"",
                  "tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Tokyo"}}}]},
                 "done":true,"done_reason":"stop","prompt_eval_count":80,"eval_count":20}
                """));
        ChatRequest ask = ChatRequest.builder()
                .model("llama3.2")
                .addMessage(Message.of(Role.USER, "Weather in Tokyo?"))
                .tools(List.of(weather))
                .build();

        ChatResponse first = local().chat(ask);

        assertThat(fake.lastRequest().json().get("tools"))
                .isEqualTo(List.of(Map.of(
                        "type",
                        "function",
                        "function",
                        Map.of(
                                "name",
                                "get_weather",
                                "description",
                                "Current weather for a city",
                                "parameters",
                                parameters))));
        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(first.message().toolCalls()).hasSize(1);
        ToolCall call = first.message().toolCalls().get(0);
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Tokyo\"}");

        // The caller runs the tool and answers with the call's id, the way OpenAI clients do.
        ToolCall withId = new ToolCall("call_1", call.name(), call.arguments());
        Message assistant = new Message(Role.ASSISTANT, List.of(), null, List.of(withId), null, null, null);
        Message result =
                new Message(Role.TOOL, List.of(ContentPart.text("{\"temp_c\":22}")), null, null, "call_1", null, null);
        fake.on("POST", "/api/chat", FakeUpstream.json(200, """
                {"model":"llama3.2","message":{"role":"assistant","content":"It is 22 C in Tokyo."},
                 "done":true,"done_reason":"stop"}
                """));
        ChatRequest followUp = ChatRequest.builder()
                .model("llama3.2")
                .messages(List.of(ask.messages().get(0), assistant, result))
                .tools(List.of(weather))
                .build();

        ChatResponse second = local().chat(followUp);

        assertThat(second.message().text()).isEqualTo("It is 22 C in Tokyo.");
        assertThat(second.finishReason()).isEqualTo(FinishReason.STOP);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> sent =
                (List<Map<String, Object>>) fake.lastRequest().json().get("messages");
        assertThat(sent).hasSize(3);
        @SuppressWarnings("unchecked")
        Map<String, Object> sentCall = ((List<Map<String, Object>>) sent.get(1).get("tool_calls")).get(0);
        assertThat(sentCall.get("function"))
                .isEqualTo(Map.of("name", "get_weather", "arguments", Map.of("city", "Tokyo")));
        assertThat(sent.get(2))
                .containsEntry("role", "tool")
                .containsEntry("content", "{\"temp_c\":22}")
                .containsEntry("tool_name", "get_weather");
    }
}
