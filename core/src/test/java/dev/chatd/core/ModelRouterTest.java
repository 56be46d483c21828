package dev.chatd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ModelRouterTest {

    /** A factory that routes by name only, or also claims names through {@code claim}. */
    record NamedFactory(String name, Function<String, Optional<String>> claimRule) implements ChatProviderFactory {
        NamedFactory(String name) {
            this(name, model -> Optional.empty());
        }

        @Override
        public int spiVersion() {
            return SPI_VERSION;
        }

        @Override
        public ProviderDefaults defaults() {
            return ProviderDefaults.keyless("http://127.0.0.1:1");
        }

        @Override
        public Optional<String> claim(String model) {
            return claimRule.apply(model);
        }

        @Override
        public Optional<ChatProvider> create(ProviderContext context) {
            return Optional.empty();
        }
    }

    /** Claims {@code name:mark} the way Ollama Cloud claims {@code name:cloud}, stripping the mark. */
    private static Function<String, Optional<String>> suffix(String mark) {
        return model -> model.endsWith(mark) && model.length() > mark.length()
                ? Optional.of(model.substring(0, model.length() - mark.length()))
                : Optional.empty();
    }

    private final ModelRouter router = new ModelRouter(
            List.of(
                    new NamedFactory("ollama"),
                    new NamedFactory("ollama_cloud", suffix(":cloud")),
                    new NamedFactory("openrouter")),
            "ollama");

    @Test
    void prefixRoutesToThatProviderWithThePrefixStripped() {
        assertThat(router.route("ollama/llama3.2")).isEqualTo(new ModelRouter.Target("ollama", "llama3.2"));
    }

    @Test
    void bareModelGoesToTheDefaultProviderUnchanged() {
        assertThat(router.route("llama3.2")).isEqualTo(new ModelRouter.Target("ollama", "llama3.2"));
    }

    @Test
    void modelWithSlashesButNoKnownPrefixGoesToTheDefaultUnchanged() {
        assertThat(router.route("hf.co/org/model:Q4_K_M"))
                .isEqualTo(new ModelRouter.Target("ollama", "hf.co/org/model:Q4_K_M"));
    }

    @Test
    void cloudPrefixRoutesToOllamaCloud() {
        assertThat(router.route("ollama_cloud/deepseek-v3.2"))
                .isEqualTo(new ModelRouter.Target("ollama_cloud", "deepseek-v3.2"));
    }

    @Test
    void prefixOfAnotherProviderNeverMatchesAShorterName() {
        ModelRouter onlyLocal = new ModelRouter(List.of(new NamedFactory("ollama")), "openrouter");

        assertThat(onlyLocal.route("ollama_cloud/x")).isEqualTo(new ModelRouter.Target("openrouter", "ollama_cloud/x"));
    }

    @Test
    void eachPrefixRoutesToItsOwnProviderWhateverTheOrder() {
        ModelRouter cloudFirst =
                new ModelRouter(List.of(new NamedFactory("ollama_cloud"), new NamedFactory("ollama")), "ollama");

        assertThat(cloudFirst.route("ollama_cloud/x")).isEqualTo(new ModelRouter.Target("ollama_cloud", "x"));
        assertThat(cloudFirst.route("ollama/x")).isEqualTo(new ModelRouter.Target("ollama", "x"));
    }

    @Test
    void providerPrefixWithoutModelIsAnInvalidRequest() {
        assertThatThrownBy(() -> router.route("ollama/"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("ollama/<model>");
    }

    @Test
    void prefixNamingNoDiscoveredProviderGoesToTheDefaultUnchanged() {
        assertThat(router.route("anthropic/claude-3.5-sonnet"))
                .isEqualTo(new ModelRouter.Target("ollama", "anthropic/claude-3.5-sonnet"));
    }

    @Test
    void markClaimedByAFactoryRoutesThereWithTheMarkStripped() {
        assertThat(router.route("deepseek-v3.2:cloud"))
                .isEqualTo(new ModelRouter.Target("ollama_cloud", "deepseek-v3.2"));
    }

    @Test
    void prefixedModelIsAlsoStrippedOfTheProvidersOwnMark() {
        assertThat(router.route("ollama_cloud/deepseek-v3.2:cloud"))
                .isEqualTo(new ModelRouter.Target("ollama_cloud", "deepseek-v3.2"));
    }

    @Test
    void prefixOfAProviderThatClaimsNothingKeepsAnotherProvidersMark() {
        assertThat(router.route("ollama/deepseek-v3.2:cloud"))
                .isEqualTo(new ModelRouter.Target("ollama", "deepseek-v3.2:cloud"));
    }

    @Test
    void blankClaimIsIgnored() {
        ModelRouter blankClaim = new ModelRouter(List.of(new NamedFactory("odd", model -> Optional.of(" "))), "ollama");

        assertThat(blankClaim.route("llama3.2")).isEqualTo(new ModelRouter.Target("ollama", "llama3.2"));
    }

    @Test
    void defaultProviderNeedNotBeDiscovered() {
        ModelRouter none = new ModelRouter(List.of(), "ollama");

        assertThat(none.route("ollama/llama3.2")).isEqualTo(new ModelRouter.Target("ollama", "ollama/llama3.2"));
    }
}
