package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.core.KeyResolver;
import dev.chatd.core.resilience.CircuitSettings;
import dev.chatd.core.resilience.Dispatcher;
import dev.chatd.core.resilience.ProviderPolicy;
import dev.chatd.core.resilience.RetrySettings;
import io.helidon.config.ConfigException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys of routing around failure: defaults, global settings, per-provider overrides, bad values. */
class ResilienceConfigTest {
    private static final KeyResolver NO_ENV = new KeyResolver(name -> null);

    private static ChatdConfig read(String... keyValues) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return ChatdConfig.from(TestServer.config(values), NO_ENV);
    }

    @Test
    void defaultsApplyToEveryProviderAndKimiIsCappedAt30() {
        Dispatcher.Settings settings = read().dispatcherSettings(List.of("kimi", "ollama"));

        ProviderPolicy defaults = settings.defaults();
        assertThat(defaults.retry()).isEqualTo(RetrySettings.DEFAULTS);
        assertThat(defaults.circuit()).isEqualTo(CircuitSettings.DEFAULTS);
        assertThat(defaults.concurrency().limited()).isFalse();
        assertThat(defaults.concurrency().maxQueueWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.deadline()).isEqualTo(Duration.ofSeconds(120));
        assertThat(settings.policies().get("kimi").concurrency().maxConcurrent())
                .isEqualTo(30);
        assertThat(settings.policies()).doesNotContainKey("ollama");
        assertThat(settings.aliases().targets()).isEmpty();
    }

    @Test
    void aProviderNodeOverridesTheGlobalSettings() {
        ChatdConfig config = read(
                "chatd.retry.max-attempts", "5",
                "chatd.circuit-breaker.open-secs", "60",
                "chatd.max-queue-wait-ms", "100",
                "chatd.providers.kimi.timeout-secs", "300",
                "chatd.providers.kimi.retry.initial-backoff-ms", "10",
                "chatd.providers.kimi.circuit-breaker.volume", "4",
                "chatd.providers.kimi.max-concurrent", "2",
                "chatd.models.coder.0", "kimi/kimi-for-coding",
                "chatd.models.coder.1", "ollama/qwen3:8b");

        Dispatcher.Settings settings = config.dispatcherSettings(List.of("kimi", "ollama"));

        ProviderPolicy kimi = settings.policies().get("kimi");
        assertThat(kimi.retry()).isEqualTo(new RetrySettings(5, Duration.ofMillis(10), Duration.ofSeconds(4)));
        assertThat(kimi.circuit()).isEqualTo(new CircuitSettings(80, 4, Duration.ofSeconds(60), 1));
        assertThat(kimi.concurrency().maxConcurrent()).isEqualTo(2);
        assertThat(kimi.concurrency().maxQueueWait()).isEqualTo(Duration.ofMillis(100));
        assertThat(kimi.deadline()).isEqualTo(Duration.ofSeconds(300));
        assertThat(settings.defaults().retry().maxAttempts()).isEqualTo(5);
        assertThat(settings.aliases().resolve("coder")).containsExactly("kimi/kimi-for-coding", "ollama/qwen3:8b");
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> read("chatd.retry.max-attempts", "0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("chatd.retry.max-attempts = '0': expected 1 to 100");
        assertThatThrownBy(() -> read("chatd.providers.kimi.circuit-breaker.failure-ratio-percent", "150"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("chatd.providers.kimi.circuit-breaker.failure-ratio-percent = '150'");
        assertThatThrownBy(() -> read("chatd.providers.kimi.max-concurrent", "-1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("chatd.providers.kimi.max-concurrent = '-1'");
        assertThatThrownBy(() -> read("chatd.models.coder.x", "kimi/k"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("expected a list of models");
    }

    @Test
    void aliasesAreCheckedAgainstEveryKnownProvider() {
        ChatdConfig config = read("chatd.models.kimi/fast.0", "ollama/qwen3:8b");

        assertThatThrownBy(() -> config.dispatcherSettings(List.of("kimi", "ollama")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("chatd.models.kimi/fast: an alias cannot be named 'kimi/fast'");
    }

    @Test
    void theNewKeysAreKnown() {
        assertThat(KnownKeys.unknownKeys(
                        TestServer.config(Map.of(
                                "chatd.retry.max-attempts", "2",
                                "chatd.circuit-breaker.volume", "3",
                                "chatd.models.coder.0", "ollama/x",
                                "chatd.providers.ollama.max-concurrent", "4",
                                "chatd.providers.ollama.retry.max-backoff-ms", "9")),
                        Map.of("ollama", java.util.Set.of())))
                .isEmpty();
    }
}
