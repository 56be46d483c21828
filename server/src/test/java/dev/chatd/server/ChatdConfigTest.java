package dev.chatd.server;

import static dev.chatd.core.testing.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.spi.Secret;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderSettings;
import dev.chatd.core.http.UpstreamTransport;
import io.helidon.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configuration as read into {@link ChatdConfig}, and what a bad value tells the operator. */
class ChatdConfigTest {
    private static final KeyResolver NO_ENV = new KeyResolver(name -> null);

    private static ChatdConfig read(Map<String, String> values) {
        return read(values, NO_ENV);
    }

    private static ChatdConfig read(Map<String, String> values, KeyResolver keys) {
        return ChatdConfig.from(TestServer.config(values), keys);
    }

    @Test
    void defaultsWhenNothingIsSet() {
        ChatdConfig config = read(Map.of());

        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(config.maxRequestBytes()).isEqualTo(4L * 1024 * 1024);
        assertThat(config.defaultProvider()).isEqualTo("ollama");
        assertThat(config.authToken()).isEmpty();
        assertThat(config.providers()).isEmpty();
    }

    @Test
    void readsTheChatdNode() {
        ChatdConfig config = read(Map.of(
                "chatd.timeout-secs", "30",
                "chatd.max-request-bytes", "2048",
                "chatd.default-provider", "ollama_cloud"));

        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.maxRequestBytes()).isEqualTo(2048);
        assertThat(config.defaultProvider()).isEqualTo("ollama_cloud");
        assertThat(config.registrySettings().timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.registrySettings().defaultProvider()).isEqualTo("ollama_cloud");
    }

    @Test
    void readsProviderNodes() {
        ChatdConfig config = read(Map.of(
                "chatd.providers.ollama.base-url", "http://gpu-box:11434/",
                "chatd.providers.ollama.timeout-secs", "300",
                "chatd.providers.ollama.headers.X-Team", "search",
                "chatd.providers.ollama_cloud.enabled", "false",
                "chatd.providers.ollama_cloud.key-env", "MY_OLLAMA_KEY",
                "chatd.providers.ollama_cloud.key-file", "/run/secrets/ollama"));

        ProviderSettings ollama = config.providers().get("ollama");
        assertThat(ollama.enabled()).isTrue();
        assertThat(ollama.baseUrl()).isEqualTo(URI.create("http://gpu-box:11434/"));
        assertThat(ollama.timeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(ollama.headers()).isEqualTo(Map.of("X-Team", "search"));
        assertThat(ollama.keyEnv()).isNull();
        assertThat(ollama.keyFile()).isNull();

        ProviderSettings cloud = config.providers().get("ollama_cloud");
        assertThat(cloud.enabled()).isFalse();
        assertThat(cloud.keyEnv()).isEqualTo("MY_OLLAMA_KEY");
        assertThat(cloud.keyFile()).isEqualTo(Path.of("/run/secrets/ollama"));
        assertThat(cloud.baseUrl()).as("the factory's default applies").isNull();
        assertThat(cloud.timeout()).as("the global timeout applies").isNull();
        assertThat(cloud.headers()).isEmpty();
    }

    @Test
    void authTokenFromTheEnvironmentOrAFile(@TempDir Path dir) throws IOException {
        Map<String, String> env = new HashMap<>(Map.of("CHATD_AUTH_TOKEN", "from-env"));
        assertThat(read(Map.of(), new KeyResolver(env::get)).authToken()).contains(Secret.of("from-env"));

        Path file = dir.resolve("auth.env");
        Files.writeString(file, "CHATD_AUTH_TOKEN='from-file'\n");
        assertThat(read(Map.of("chatd.auth.token-file", file.toString())).authToken()).contains(Secret.of("from-file"));
        assertThat(read(Map.of("chatd.auth.token-file", file.toString()), new KeyResolver(env::get)).authToken())
                .as("the variable wins over the file").contains(Secret.of("from-env"));
        assertThat(read(Map.of("chatd.auth.token-file", dir.resolve("missing.env").toString())).authToken()).isEmpty();
    }

    @Test
    void authTokenNeverPrints() {
        ChatdConfig config = read(Map.of(), new KeyResolver(Map.of("CHATD_AUTH_TOKEN", "tok-canary-55")::get));

        assertThat(config.toString()).doesNotContain("tok-canary-55");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "chatd.timeout-secs, abc",
            "chatd.timeout-secs, -1",
            "chatd.timeout-secs, 0",
            "chatd.max-request-bytes, lots",
            "chatd.max-request-bytes, -5",
            "chatd.providers.ollama.timeout-secs, soon",
            "chatd.providers.ollama.timeout-secs, -1",
            "chatd.providers.ollama.base-url, not-a-url",
            "chatd.providers.ollama.base-url, ftp://example.com",
            "chatd.providers.ollama_cloud.base-url, http//ollama.com",
            "chatd.providers.ollama.enabled, flase",
    })
    void invalidValueFailsNamingTheKey(String key, String value) {
        assertThatThrownBy(() -> read(Map.of(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key);
    }

    @Test
    void configuredKeyEnvAndKeyFileAreUsed(@TempDir Path dir) throws IOException {
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama_cloud.key-env", "MY_OLLAMA_KEY")
                .env("MY_OLLAMA_KEY", "renamed-var-key").start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertThat(server.post("/chat", """
                    {"model":"gpt-oss:120b-cloud","messages":[{"role":"user","content":"Hi"}]}""").status()).isEqualTo(200);
            assertThat(server.fake.lastRequest().header("Authorization")).isEqualTo("Bearer renamed-var-key");
            assertThat(server.fake.lastRequest().json().get("model")).isEqualTo("gpt-oss:120b");
        }

        // Seed fix B-1: key-env renamed in the config while the file keeps the canonical line.
        Path file = dir.resolve("ollama_cloud.env");
        Files.writeString(file, "# from the old setup\nexport OLLAMA_API_KEY=\"file-key-b1\"\n");
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama_cloud.key-env", "MY_OLLAMA_KEY")
                .config("chatd.providers.ollama_cloud.key-file", file.toString()).start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = server.post("/chat", """
                    {"model":"ollama_cloud/gpt-oss:120b","messages":[{"role":"user","content":"Hi"}]}""");
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(server.fake.lastRequest().header("Authorization")).isEqualTo("Bearer file-key-b1");
        }
    }

    @Test
    void providerNodeWithoutAProviderIsAWarningAtStartUp() {
        try (LogCapture log = LogCapture.start();
                TestServer server = TestServer.builder()
                        .config("chatd.providers.openrouterr.base-url", "https://openrouter.ai/api/v1").start()) {
            assertThat(server.get("/health").status()).isEqualTo(200);
            assertThat(log.records()).anySatisfy(r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(LogCapture.text(r)).contains("openrouterr", "ollama");
            });
        }
    }

    @Test
    void upstreamLimitsDefaultToTheDocumentedValues() {
        UpstreamTransport.Settings upstream = read(Map.of()).upstream();

        assertThat(upstream.maxReplyBytes()).isEqualTo(8L * 1024 * 1024);
        assertThat(upstream.maxStreamLineBytes()).isEqualTo(1024 * 1024);
        assertThat(upstream.maxConnectionsPerHost()).isEqualTo(64);
        assertThat(upstream.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void readsTheUpstreamLimitsAndHandsThemToTheRegistry() {
        ChatdConfig config = read(Map.of(
                "chatd.max-reply-bytes", "1048576",
                "chatd.max-stream-line-bytes", "65536",
                "chatd.upstream.max-connections-per-host", "8",
                "chatd.upstream.idle-timeout-secs", "5"));

        UpstreamTransport.Settings expected = new UpstreamTransport.Settings(1048576, 65536, 8, Duration.ofSeconds(5));
        assertThat(config.upstream()).isEqualTo(expected);
        assertThat(config.registrySettings().upstream()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "chatd.max-reply-bytes, lots",
            "chatd.max-reply-bytes, 0",
            "chatd.max-reply-bytes, -1",
            "chatd.max-reply-bytes, 4294967296",
            "chatd.max-stream-line-bytes, 0",
            "chatd.max-stream-line-bytes, 4294967296",
            "chatd.upstream.max-connections-per-host, 0",
            "chatd.upstream.max-connections-per-host, many",
            "chatd.upstream.idle-timeout-secs, 0",
            "chatd.upstream.idle-timeout-secs, -3",
    })
    void invalidUpstreamLimitFailsNamingTheKey(String key, String value) {
        assertThatThrownBy(() -> read(Map.of(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key);
    }
}
