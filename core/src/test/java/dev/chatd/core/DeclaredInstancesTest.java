package dev.chatd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Providers declared in the configuration under names of their own with {@code type: <factory>}. */
class DeclaredInstancesTest {

    /** An OpenAI-compatible-like factory: keyless by default, declarable, and keeps every context it made. */
    static final class DeclarableFactory implements ChatProviderFactory {
        final Map<String, ProviderContext> contexts = new ConcurrentHashMap<>();
        private final boolean declarable;

        DeclarableFactory(boolean declarable) {
            this.declarable = declarable;
        }

        @Override
        public int spiVersion() {
            return SPI_VERSION;
        }

        @Override
        public String name() {
            return declarable ? "openai-compatible" : "fixed";
        }

        @Override
        public ProviderDefaults defaults() {
            return ProviderDefaults.keyless("http://localhost:8000/v1");
        }

        @Override
        public boolean allowsDeclaredInstances() {
            return declarable;
        }

        @Override
        public Optional<ChatProvider> create(ProviderContext context) {
            contexts.put(context.name(), context);
            return Optional.of(new ProviderRegistryTest.StubProvider(context.name(), true));
        }
    }

    private static ProviderSettings declared(String type, String baseUrl, String keyEnv) {
        return new ProviderSettings(true, URI.create(baseUrl), keyEnv, null, null, null, Map.of(), Map.of(), type);
    }

    private static ProviderRegistry registry(
            List<ChatProviderFactory> factories, Map<String, ProviderSettings> nodes, Map<String, String> env) {
        return ProviderRegistry.build(
                factories,
                new ProviderRegistry.Settings("ollama", Duration.ofSeconds(5), Duration.ofSeconds(5), nodes),
                new KeyResolver(env::get));
    }

    @Test
    void eachDeclaredNameIsAProviderWithItsOwnContextAndPrefix() {
        DeclarableFactory factory = new DeclarableFactory(true);
        try (ProviderRegistry registry = registry(
                List.of(factory, ProviderRegistryTest.RecordingFactory.keyless("ollama")),
                Map.of(
                        "groq",
                        declared("openai-compatible", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
                        "vllm",
                        declared("openai-compatible", "http://gpu-box:8000/v1", null)),
                Map.of("GROQ_API_KEY", "gsk-1"))) {

            assertThat(registry.names()).containsExactly("groq", "ollama", "vllm");
            ProviderRegistry.Route groq = registry.route("groq/llama-3.3-70b");
            assertThat(groq.provider().name()).isEqualTo("groq");
            assertThat(groq.upstreamModel()).isEqualTo("llama-3.3-70b");
            assertThat(registry.route("vllm/qwen").provider().name()).isEqualTo("vllm");

            ProviderContext groqContext = factory.contexts.get("groq");
            assertThat(groqContext.baseUrl()).hasToString("https://api.groq.com/openai/v1");
            assertThat(groqContext.key())
                    .hasValueSatisfying(key -> assertThat(key.reveal()).isEqualTo("gsk-1"));
            ProviderContext vllmContext = factory.contexts.get("vllm");
            assertThat(vllmContext.baseUrl()).hasToString("http://gpu-box:8000/v1");
            assertThat(vllmContext.key()).isEmpty();
        }
    }

    @Test
    void aDeclaredInstanceWithoutItsKeyStaysUnregisteredAndSaysWhatToSet() {
        try (ProviderRegistry registry = registry(
                List.of(new DeclarableFactory(true)),
                Map.of("groq", declared("openai-compatible", "https://api.groq.com/openai/v1", "GROQ_API_KEY")),
                Map.of())) {

            assertThat(registry.names()).isEmpty();
            assertThatThrownBy(() -> registry.route("groq/x")).hasMessageContaining("GROQ_API_KEY");
        }
    }

    @Test
    void aDeclarableFactoryIsRegisteredUnderItsOwnNameOnlyWhenConfiguredSo() {
        DeclarableFactory factory = new DeclarableFactory(true);
        try (ProviderRegistry registry = registry(List.of(factory), Map.of(), Map.of())) {
            assertThat(registry.names()).isEmpty();
        }
        ProviderSettings own = new ProviderSettings(
                true, URI.create("http://lm-studio:1234/v1"), null, null, null, null, Map.of(), Map.of());
        try (ProviderRegistry registry = registry(List.of(factory), Map.of("openai-compatible", own), Map.of())) {
            assertThat(registry.names()).containsExactly("openai-compatible");
        }
    }

    @Test
    void anUnknownTypeStopsStartUpNamingTheNodeAndTheInstalledProviders() {
        assertThatThrownBy(() -> registry(
                        List.of(new DeclarableFactory(true)),
                        Map.of("groq", declared("openai-compatibel", "https://api.groq.com/openai/v1", null)),
                        Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chatd.providers.groq.type is 'openai-compatibel'")
                .hasMessageContaining("openai-compatible");
    }

    @Test
    void aFactoryThatDoesNotAllowDeclaredInstancesCannotBeAType() {
        assertThatThrownBy(() -> registry(
                        List.of(new DeclarableFactory(false), new DeclarableFactory(true)),
                        Map.of("mine", declared("fixed", "https://example.com", null)),
                        Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot be declared under another name")
                .hasMessageContaining("[openai-compatible]");
    }

    @Test
    void aDeclaredNameMayNotTakeAnInstalledProvidersName() {
        assertThatThrownBy(() -> registry(
                        List.of(new DeclarableFactory(true), ProviderRegistryTest.RecordingFactory.keyless("ollama")),
                        Map.of("ollama", declared("openai-compatible", "https://example.com", null)),
                        Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'ollama' is already an installed provider's name");
    }
}
