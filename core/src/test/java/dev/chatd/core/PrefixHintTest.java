package dev.chatd.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.ProviderRegistryTest.RecordingFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A misspelt provider prefix still goes to the default provider (an Ollama model name may hold a
 * {@code /}), but the route carries a hint for the model-not-found that follows.
 */
class PrefixHintTest {

    /** ollama local (the default), mock keyless, openrouter and kimi known but without keys. */
    private static ProviderRegistry registry() {
        List<ChatProviderFactory> factories = List.of(
                RecordingFactory.keyless("ollama"),
                RecordingFactory.keyless("mock"),
                RecordingFactory.keyed("openrouter", "OPENROUTER_API_KEY", null),
                RecordingFactory.keyed("kimi", "KIMI_API_KEY", null));
        return ProviderRegistry.build(
                factories,
                new ProviderRegistry.Settings("ollama", Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of()),
                new KeyResolver(Map.<String, String>of()::get));
    }

    @ParameterizedTest
    @CsvSource({
        "openruoter/openai/gpt-4o, openrouter/openai/gpt-4o, openruoter",
        "opnrouter/openai/gpt-4o, openrouter/openai/gpt-4o, opnrouter",
        "OpenRouter/openai/gpt-4o, openrouter/openai/gpt-4o, OpenRouter",
        "olama/llama3.2, ollama/llama3.2, olama",
        "OLLAMA/llama3.2, ollama/llama3.2, OLLAMA",
        "kimmi/kimi-for-coding, kimi/kimi-for-coding, kimmi",
        "mokc/echo, mock/echo, mokc",
        "openrouterx/a/b, openrouter/a/b, openrouterx",
    })
    void aNearMissOfAProviderNameGetsAHint(String model, String meant, String typed) {
        try (ProviderRegistry registry = registry()) {
            ProviderRegistry.Route route = registry.route(model);

            assertThat(route.provider().name()).as("routing is unchanged").isEqualTo("ollama");
            assertThat(route.upstreamModel()).isEqualTo(model);
            assertThat(route.hint()).contains("did you mean '" + meant + "'? ('" + typed + "' is not a provider)");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "hf.co/org/model:Q4_K_M",
                "library/llama3.2",
                "llama3.2",
                "ai/model",
                "openai/gpt-4o",
                "ollama/llama3.2",
                "mock/echo"
            })
    void otherNamesGetNone(String model) {
        try (ProviderRegistry registry = registry()) {
            assertThat(registry.route(model).hint()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openrouterxyz/x", "kimi-k2/x", "mk/x"})
    void tooFarIsNoHint(String model) {
        try (ProviderRegistry registry = registry()) {
            assertThat(registry.route(model).hint()).as(model).isEmpty();
        }
    }

    @Test
    void onlyAModelNotFoundGrowsTheHint() {
        try (ProviderRegistry registry = registry()) {
            ProviderRegistry.Route route = registry.route("openruoter/openai/gpt-4o");

            assertThat(route.explain(new ChatException.ModelNotFound("ollama: model not found")))
                    .isInstanceOf(ChatException.ModelNotFound.class)
                    .hasMessage("ollama: model not found; did you mean 'openrouter/openai/gpt-4o'?"
                            + " ('openruoter' is not a provider)");
            ChatException unreachable = new ChatException.UpstreamFailure("ollama is unreachable");
            assertThat(route.explain(unreachable)).isSameAs(unreachable);
            ChatException plain = new ChatException.ModelNotFound("ollama: model not found");
            assertThat(registry.route("hf.co/org/model").explain(plain)).isSameAs(plain);
        }
    }

    @ParameterizedTest
    @CsvSource({"openruoter, openrouter, 1", "openrouter, openrouter, 0", "kimi, mock, 4", "abc, acb, 1"})
    void distanceCountsASwapAsOneEdit(String a, String b, int distance) {
        assertThat(NearestName.distance(a, b)).isEqualTo(distance);
        assertThat(NearestName.among(a, List.of("zzzzzzzzzz", b), distance))
                .isEqualTo(a.equals(b) ? Optional.empty() : Optional.of(b));
    }
}
