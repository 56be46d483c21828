package dev.chatd.provider.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ModelRouter;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.ProviderSettings;
import dev.chatd.tck.FakeUpstream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Routing with the real Ollama factories: prefixes, the cloud marks, and what each upstream sees (B-3). */
class OllamaRoutingTest {
    private static final String KEY = "sk-ollama-cloud-test-key";
    private static final String REPLY =
            "{\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"done\":true,\"done_reason\":\"stop\"}";
    private static final List<ChatProviderFactory> FACTORIES =
            List.of(new OllamaProviderFactory(), new OllamaCloudProviderFactory());

    private final ModelRouter router = new ModelRouter(FACTORIES, "ollama");
    private final FakeUpstream localFake = FakeUpstream.start().on("POST", "/api/chat", FakeUpstream.json(200, REPLY));
    private final FakeUpstream cloudFake = FakeUpstream.start().on("POST", "/api/chat", FakeUpstream.json(200, REPLY));

    @TempDir
    Path dir;

    @AfterEach
    void stopFakes() {
        localFake.close();
        cloudFake.close();
    }

    private ProviderRegistry registry(Map<String, String> env) {
        Map<String, ProviderSettings> nodes = Map.of(
                "ollama",
                node(localFake.baseUrl()),
                // A key file that does not exist, so that only the env map decides.
                "ollama_cloud",
                new ProviderSettings(
                        true, cloudFake.baseUrl(), null, dir.resolve("absent.env"), null, null, Map.of(), Map.of()));
        return ProviderRegistry.build(
                FACTORIES,
                new ProviderRegistry.Settings("ollama", Duration.ofSeconds(5), Duration.ofSeconds(60), nodes),
                new KeyResolver(env::get));
    }

    private static ProviderSettings node(URI baseUrl) {
        return new ProviderSettings(true, baseUrl, null, null, null, null, Map.of(), Map.of());
    }

    /** What the server does with a routed request: the upstream gets the routed model. */
    private static void send(ProviderRegistry registry, String model) {
        ProviderRegistry.Route route = registry.route(model);
        ChatRequest request = ChatRequest.builder()
                .model(model)
                .addMessage(Message.of(Role.USER, "hi"))
                .build();
        route.provider().chat(request.withModel(route.upstreamModel()));
    }

    @ParameterizedTest(name = "{0} -> ({1}, {2})")
    @CsvSource({
        "ollama/llama3.2,              ollama,       llama3.2",
        "llama3.2,                     ollama,       llama3.2",
        "hf.co/org/model:Q4_K_M,       ollama,       hf.co/org/model:Q4_K_M",
        "ollama_cloud/deepseek-v3.2,   ollama_cloud, deepseek-v3.2",
        "deepseek-v3.2:cloud,          ollama_cloud, deepseek-v3.2",
        "gpt-oss:120b-cloud,           ollama_cloud, gpt-oss:120b",
        "gemma4:cloud,                 ollama_cloud, gemma4",
        "ollama_cloud/gpt-oss:120b-cloud, ollama_cloud, gpt-oss:120b",
        "ollama/gpt-oss:120b-cloud,    ollama,       gpt-oss:120b-cloud",
        "llama-cloud,                  ollama,       llama-cloud",
        "mistral:7b,                   ollama,       mistral:7b",
        "openrouter/openai/gpt-4o,     ollama,       openrouter/openai/gpt-4o",
    })
    void routesEveryRow(String model, String provider, String upstreamModel) {
        assertThat(router.route(model)).isEqualTo(new ModelRouter.Target(provider, upstreamModel));
    }

    @Test
    void cloudPrefixNeverMatchesLocalOllama() {
        assertThat(router.route("ollama_cloud/x").provider()).isEqualTo("ollama_cloud");
    }

    @Test
    void providerPrefixAloneIsAnInvalidRequest() {
        assertThatThrownBy(() -> router.route("ollama/")).isInstanceOf(ChatException.InvalidRequest.class);
        assertThatThrownBy(() -> router.route("ollama_cloud/")).isInstanceOf(ChatException.InvalidRequest.class);
    }

    @ParameterizedTest(name = "{0} reaches the cloud as {1}")
    @CsvSource({
        "ollama_cloud/deepseek-v3.2, deepseek-v3.2",
        "deepseek-v3.2:cloud,        deepseek-v3.2",
        "gpt-oss:120b-cloud,         gpt-oss:120b",
    })
    void cloudModelsReachTheCloudWithoutTheRoutingMark(String model, String upstreamModel) {
        try (ProviderRegistry registry = registry(Map.of("OLLAMA_API_KEY", KEY))) {
            send(registry, model);
        }

        assertThat(cloudFake.requests()).hasSize(1);
        assertThat(cloudFake.lastRequest().json()).containsEntry("model", upstreamModel);
        assertThat(cloudFake.lastRequest().header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(localFake.requests()).isEmpty();
    }

    @ParameterizedTest(name = "{0} reaches local Ollama as {1}")
    @CsvSource({
        "ollama/llama3.2,        llama3.2",
        "llama3.2,               llama3.2",
        "hf.co/org/model:Q4_K_M, hf.co/org/model:Q4_K_M",
    })
    void localModelsReachLocalOllama(String model, String upstreamModel) {
        try (ProviderRegistry registry = registry(Map.of("OLLAMA_API_KEY", KEY))) {
            send(registry, model);
        }

        assertThat(localFake.lastRequest().json()).containsEntry("model", upstreamModel);
        assertThat(localFake.lastRequest().header("Authorization")).isNull();
        assertThat(cloudFake.requests()).isEmpty();
    }

    @Test
    void cloudModelWithoutAKeyIsNotFoundAndSaysWhatToSet() {
        try (ProviderRegistry registry = registry(Map.of())) {
            assertThat(registry.names()).containsExactly("ollama");
            assertThatThrownBy(() -> registry.route("deepseek-v3.2:cloud"))
                    .isInstanceOf(ChatException.ProviderNotFound.class)
                    .hasMessageContaining("OLLAMA_API_KEY")
                    .hasMessageContaining("absent.env");
        }
        assertThat(cloudFake.requests()).isEmpty();
        assertThat(localFake.requests()).isEmpty();
    }

    @Test
    void bothProvidersAreListedWithAKey() {
        try (ProviderRegistry registry = registry(Map.of("OLLAMA_API_KEY", KEY))) {
            assertThat(registry.names()).containsExactly("ollama", "ollama_cloud");
        }
    }
}
