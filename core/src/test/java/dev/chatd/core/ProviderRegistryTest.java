package dev.chatd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.core.transport.HelidonTransport;
import dev.chatd.kit.http.UpstreamClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderRegistryTest {
    private static final Duration GLOBAL_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    /** A provider that only says who it is and whether it is up. */
    record StubProvider(String name, boolean available) implements ChatProvider {
        @Override
        public ChatResponse chat(ChatRequest request) {
            throw new UnsupportedOperationException();
        }
    }

    /** A factory that keeps the context it was given; keyed when {@code keyEnv} is set. */
    static class RecordingFactory implements ChatProviderFactory {
        final String name;
        final ProviderDefaults defaults;
        final boolean up;
        final AtomicReference<ProviderContext> context = new AtomicReference<>();

        RecordingFactory(String name, ProviderDefaults defaults, boolean up) {
            this.name = name;
            this.defaults = defaults;
            this.up = up;
        }

        static RecordingFactory keyless(String name) {
            return new RecordingFactory(name, ProviderDefaults.keyless("http://127.0.0.1:1"), true);
        }

        static RecordingFactory keyed(String name, String keyEnv, Path keyFile) {
            return new RecordingFactory(
                    name, new ProviderDefaults(URI.create("https://" + name + ".example"), keyEnv, keyFile), true);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int spiVersion() {
            return SPI_VERSION;
        }

        @Override
        public ProviderDefaults defaults() {
            return defaults;
        }

        @Override
        public Optional<ChatProvider> create(ProviderContext context) {
            this.context.set(context);
            if (defaults.needsKey() && context.key().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new StubProvider(name, up));
        }
    }

    private static ProviderSettings node(boolean enabled, String keyEnv, Path keyFile, Duration timeout) {
        return new ProviderSettings(enabled, null, keyEnv, keyFile, timeout, null, Map.of(), Map.of());
    }

    private static ProviderRegistry registry(
            List<ChatProviderFactory> factories,
            String defaultProvider,
            Map<String, ProviderSettings> nodes,
            Map<String, String> env) {
        return ProviderRegistry.build(
                factories,
                new ProviderRegistry.Settings(defaultProvider, GLOBAL_TIMEOUT, Duration.ofSeconds(60), nodes),
                new KeyResolver(env::get));
    }

    @Test
    void registeredProviderRoutesWithTheUpstreamModel() {
        try (ProviderRegistry registry =
                registry(List.of(RecordingFactory.keyless("ollama")), "ollama", Map.of(), Map.of())) {
            ProviderRegistry.Route route = registry.route("ollama/llama3.2");

            assertThat(route.provider().name()).isEqualTo("ollama");
            assertThat(route.upstreamModel()).isEqualTo("llama3.2");
        }
    }

    @Test
    void bareModelRoutesToTheDefaultProvider() {
        try (ProviderRegistry registry = registry(
                List.of(RecordingFactory.keyless("ollama"), RecordingFactory.keyless("local2")),
                "local2",
                Map.of(),
                Map.of())) {
            ProviderRegistry.Route route = registry.route("llama3.2");

            assertThat(route.provider().name()).isEqualTo("local2");
            assertThat(route.upstreamModel()).isEqualTo("llama3.2");
        }
    }

    @Test
    void providerWithoutKeyIsNotFoundAndTheMessageSaysWhatToSet() {
        Path keyFile = dir.resolve("cloud.env");
        try (ProviderRegistry registry = registry(
                List.of(
                        RecordingFactory.keyless("ollama"),
                        RecordingFactory.keyed("ollama_cloud", "OLLAMA_API_KEY", keyFile)),
                "ollama",
                Map.of(),
                Map.of())) {

            assertThatThrownBy(() -> registry.route("ollama_cloud/deepseek-v3.2"))
                    .isInstanceOf(ChatException.ProviderNotFound.class)
                    .hasMessageContaining("OLLAMA_API_KEY")
                    .hasMessageContaining(keyFile.toString());
        }
    }

    @Test
    void disabledProviderIsDisabledNotNotFound() {
        try (ProviderRegistry registry = registry(
                List.of(RecordingFactory.keyless("ollama")),
                "ollama",
                Map.of("ollama", node(false, null, null, null)),
                Map.of())) {

            assertThatThrownBy(() -> registry.route("ollama/llama3.2"))
                    .isInstanceOf(ChatException.ProviderDisabled.class)
                    .hasMessageContaining("chatd.providers.ollama.enabled");
        }
    }

    @Test
    void disabledProviderIsNeverCreated() {
        RecordingFactory factory = RecordingFactory.keyless("ollama");
        try (ProviderRegistry registry =
                registry(List.of(factory), "ollama", Map.of("ollama", node(false, null, null, null)), Map.of())) {

            assertThat(factory.context.get()).isNull();
            assertThat(registry.available("ollama")).isFalse();
        }
    }

    @Test
    void namesListCreatedAndDisabledProvidersSortedButNotUnconfiguredOnes() {
        try (ProviderRegistry registry = registry(
                List.of(
                        RecordingFactory.keyless("zeta"),
                        RecordingFactory.keyed("keyless_not", "NO_SUCH_KEY", null),
                        RecordingFactory.keyless("alpha"),
                        RecordingFactory.keyless("middle")),
                "alpha",
                Map.of("middle", node(false, null, null, null)),
                Map.of())) {

            assertThat(registry.names()).containsExactly("alpha", "middle", "zeta");
        }
    }

    @Test
    void availableIsLookedUpByName() {
        try (ProviderRegistry registry = registry(
                List.of(
                        RecordingFactory.keyless("ollama"),
                        new RecordingFactory("down", ProviderDefaults.keyless("http://127.0.0.1:1"), false)),
                "ollama",
                Map.of(),
                Map.of())) {

            assertThat(registry.available("ollama")).isTrue();
            assertThat(registry.available("down")).isFalse();
            assertThat(registry.available("nobody")).isFalse();
        }
    }

    @Test
    void missingDefaultProviderIsNotFoundAndNamesThePrefixesToUse() {
        try (ProviderRegistry registry =
                registry(List.of(RecordingFactory.keyless("ollama")), "openrouter", Map.of(), Map.of())) {

            assertThatThrownBy(() -> registry.route("llama3.2"))
                    .isInstanceOf(ChatException.ProviderNotFound.class)
                    .hasMessageContaining("openrouter")
                    .hasMessageContaining("ollama/");
        }
    }

    @Test
    void duplicateFactoryNamesAreRefusedLoudly() {
        assertThatThrownBy(() -> ProviderDiscovery.checked(
                        List.of(RecordingFactory.keyless("ollama"), RecordingFactory.keyless("ollama"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'ollama'");
    }

    @Test
    void registryRefusesDuplicateFactoryNames() {
        assertThatThrownBy(() -> registry(
                        List.of(RecordingFactory.keyless("ollama"), RecordingFactory.keyless("ollama")),
                        "ollama",
                        Map.of(),
                        Map.of()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void invalidFactoryNameIsRefused() {
        assertThatThrownBy(() -> ProviderDiscovery.checked(List.of(RecordingFactory.keyless("Ollama/Cloud"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid name");
    }

    @Test
    void keyEnvOverrideInSettingsIsTheVariableRead() {
        RecordingFactory cloud = RecordingFactory.keyed("ollama_cloud", "OLLAMA_API_KEY", null);
        try (ProviderRegistry registry = registry(
                List.of(cloud),
                "ollama_cloud",
                Map.of("ollama_cloud", node(true, "MY_CLOUD_KEY", null, null)),
                Map.of("MY_CLOUD_KEY", "sk-renamed", "OLLAMA_API_KEY", "sk-canonical"))) {

            assertThat(registry.names()).containsExactly("ollama_cloud");
            assertThat(cloud.context.get().key())
                    .get()
                    .extracting(k -> k.reveal())
                    .isEqualTo("sk-renamed");
        }
    }

    @Test
    void keyFromTheFactoryDefaultFileRegistersTheProvider() throws IOException {
        Path keyFile = Files.writeString(dir.resolve("cloud.env"), "OLLAMA_API_KEY=sk-from-file\n");
        RecordingFactory cloud = RecordingFactory.keyed("ollama_cloud", "OLLAMA_API_KEY", keyFile);
        try (ProviderRegistry registry = registry(List.of(cloud), "ollama_cloud", Map.of(), Map.of())) {

            assertThat(registry.names()).containsExactly("ollama_cloud");
            assertThat(cloud.context.get().key())
                    .get()
                    .extracting(k -> k.reveal())
                    .isEqualTo("sk-from-file");
        }
    }

    @Test
    void emptyKeyFileInSettingsDisablesTheDefaultFile() throws IOException {
        Path keyFile = Files.writeString(dir.resolve("cloud.env"), "OLLAMA_API_KEY=sk-from-file\n");
        try (ProviderRegistry registry = registry(
                List.of(RecordingFactory.keyed("ollama_cloud", "OLLAMA_API_KEY", keyFile)),
                "ollama_cloud",
                Map.of("ollama_cloud", node(true, null, Path.of(""), null)),
                Map.of())) {

            assertThat(registry.names()).isEmpty();
            assertThatThrownBy(() -> registry.route("ollama_cloud/x"))
                    .isInstanceOf(ChatException.ProviderNotFound.class)
                    .hasMessageContaining("OLLAMA_API_KEY")
                    .hasMessageNotContaining(keyFile.toString());
        }
    }

    @Test
    void perProviderTimeoutOverridesTheGlobalOne() {
        RecordingFactory slow = RecordingFactory.keyless("slow");
        RecordingFactory plain = RecordingFactory.keyless("plain");
        try (ProviderRegistry registry = registry(
                List.of(slow, plain),
                "plain",
                Map.of("slow", node(true, null, null, Duration.ofSeconds(600))),
                Map.of())) {

            assertThat(registry.names()).containsExactly("plain", "slow");
            assertThat(slow.context.get().timeout()).isEqualTo(Duration.ofSeconds(600));
            assertThat(plain.context.get().timeout()).isEqualTo(GLOBAL_TIMEOUT);
        }
    }

    @Test
    void configuredBaseUrlAndHeadersReachTheProvider() {
        RecordingFactory factory = RecordingFactory.keyless("ollama");
        ProviderSettings node = new ProviderSettings(
                true,
                URI.create("http://gpu-box:11434"),
                null,
                null,
                null,
                null,
                Map.of("X-Team", "ml"),
                Map.of("base-url", "http://gpu-box:11434"));
        try (ProviderRegistry registry = registry(List.of(factory), "ollama", Map.of("ollama", node), Map.of())) {

            assertThat(registry.route("llama3.2").provider().name()).isEqualTo("ollama");
            assertThat(factory.context.get().baseUrl()).isEqualTo(URI.create("http://gpu-box:11434"));
            assertThat(factory.context.get().headers()).containsEntry("X-Team", "ml");
            assertThat(factory.context.get().settings()).containsEntry("base-url", "http://gpu-box:11434");
        }
    }

    @Test
    void factoryDefaultBaseUrlAppliesWhenTheConfigSaysNothing() {
        RecordingFactory factory = RecordingFactory.keyless("ollama");
        try (ProviderRegistry registry = registry(List.of(factory), "ollama", Map.of(), Map.of())) {

            assertThat(registry.names()).containsExactly("ollama");
            assertThat(factory.context.get().baseUrl()).isEqualTo(URI.create("http://127.0.0.1:1"));
            assertThat(factory.context.get().key()).isEmpty();
        }
    }

    @Test
    void factoryThatFailsToStartStaysUnregistered() {
        ChatProviderFactory broken =
                new RecordingFactory("broken", ProviderDefaults.keyless("http://127.0.0.1:1"), true) {
                    @Override
                    public Optional<ChatProvider> create(ProviderContext context) {
                        throw new IllegalArgumentException("bad option");
                    }
                };
        try (ProviderRegistry registry =
                registry(List.of(broken, RecordingFactory.keyless("ollama")), "ollama", Map.of(), Map.of())) {

            assertThat(registry.names()).containsExactly("ollama");
            assertThatThrownBy(() -> registry.route("broken/x")).isInstanceOf(ChatException.ProviderNotFound.class);
        }
    }

    @Test
    void everyProviderGetsTheOneTransportMadeFromTheSettingsAndClosedWithTheRegistry() {
        RecordingFactory ollama = RecordingFactory.keyless("ollama");
        RecordingFactory other = RecordingFactory.keyless("other");
        HelidonTransport.Settings limits = new HelidonTransport.Settings(1000, 100, 3, Duration.ofSeconds(7));
        ProviderRegistry registry = ProviderRegistry.build(
                List.of(ollama, other),
                new ProviderRegistry.Settings("ollama", GLOBAL_TIMEOUT, Duration.ofSeconds(60), Map.of(), limits),
                new KeyResolver(name -> null));

        HelidonTransport transport = (HelidonTransport) ollama.context.get().transport();
        assertThat(other.context.get().transport()).isSameAs(transport);
        assertThat(transport.settings()).isEqualTo(limits);

        registry.close();

        UpstreamClient client = UpstreamClient.create(ollama.context.get(), false, Map.of());
        assertThatThrownBy(() -> client.get("/api/version", Duration.ofSeconds(5)))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("shutting down");
    }
}
