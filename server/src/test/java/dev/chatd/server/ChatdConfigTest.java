package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.Secret;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderDiscovery;
import dev.chatd.core.ProviderSettings;
import dev.chatd.core.transport.HelidonTransport;
import io.helidon.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private static final List<ChatProviderFactory> FACTORIES =
            ProviderDiscovery.discover(ChatdConfigTest.class.getClassLoader());

    /** The configuration as Main loads it: system properties, then {@code env}, then the file. */
    private static Main.Loaded load(Path file, Map<String, String> env) {
        return Main.load(file, env, FACTORIES);
    }

    private Path yaml(Path dir, String text) throws IOException {
        return Files.writeString(dir.resolve("chatd.yaml"), text);
    }

    @Test
    void defaultsWhenNothingIsSet() {
        ChatdConfig config = read(Map.of());

        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(config.maxRequestBytes()).isEqualTo(4L * 1024 * 1024);
        assertThat(config.defaultProvider()).isEqualTo("ollama");
        assertThat(config.authToken()).isEmpty();
        assertThat(config.providers()).isEmpty();
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aProviderDeclaredWithATypeKeepsItsNameBaseUrlKeyVariableAndType(@TempDir Path dir) throws IOException {
        Path file = yaml(dir, """
                chatd:
                  providers:
                    groq:  { type: openai-compatible, base-url: https://api.groq.com/openai/v1, key-env: GROQ_API_KEY }
                    vllm:  { type: openai-compatible, base-url: http://gpu-box:8000/v1 }
                    ollama: { base-url: http://127.0.0.1:11434 }
                """);
        Main.Loaded loaded = load(file, Map.of());
        ChatdConfig config = ChatdConfig.from(loaded.config(), NO_ENV);

        assertThat(config.providers().get("groq").type()).isEqualTo("openai-compatible");
        assertThat(config.providers().get("groq").baseUrl()).hasToString("https://api.groq.com/openai/v1");
        assertThat(config.providers().get("groq").keyEnv()).isEqualTo("GROQ_API_KEY");
        assertThat(config.providers().get("vllm").type()).isEqualTo("openai-compatible");
        assertThat(config.providers().get("ollama").type()).isNull();
        assertThat(loaded.warnings())
                .as("type is a known key of a provider node")
                .isEmpty();
    }

    @Test
    void shutdownGraceMayBeZero() {
        assertThat(read(Map.of("chatd.shutdown-grace-secs", "5")).shutdownGrace())
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(read(Map.of("chatd.shutdown-grace-secs", "0")).shutdownGrace())
                .isZero();
    }

    @Test
    void listensOnLoopbackPort8080ByDefault() {
        ChatdConfig config = read(Map.of());

        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8080);
        assertThat(read(Map.of("server.host", "0.0.0.0", "server.port", "9090")))
                .extracting(ChatdConfig::host, ChatdConfig::port)
                .containsExactly("0.0.0.0", 9090);
        assertThat(config.clientReadTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.clientIdleTimeout()).isEqualTo(Duration.ofSeconds(75));
    }

    @Test
    void readsTheInboundConnectionTimeouts() {
        ChatdConfig config = read(Map.of(
                "chatd.client-read-timeout-secs", "5",
                "chatd.client-idle-timeout-secs", "90"));

        assertThat(config.clientReadTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.clientIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
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
        assertThat(read(Map.of("chatd.auth.token-file", file.toString())).authToken())
                .contains(Secret.of("from-file"));
        assertThat(read(Map.of("chatd.auth.token-file", file.toString()), new KeyResolver(env::get))
                        .authToken())
                .as("the variable wins over the file")
                .contains(Secret.of("from-env"));
        assertThat(read(Map.of(
                                "chatd.auth.token-file",
                                dir.resolve("missing.env").toString()))
                        .authToken())
                .isEmpty();
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
        "chatd.shutdown-grace-secs, -1",
        "chatd.shutdown-grace-secs, later",
        "chatd.client-read-timeout-secs, 0",
        "chatd.client-read-timeout-secs, soon",
        "chatd.client-idle-timeout-secs, -3",
        "chatd.client-idle-timeout-secs, forever",
        "chatd.providers.ollama.timeout-secs, soon",
        "chatd.providers.ollama.timeout-secs, -1",
        "chatd.providers.ollama.base-url, not-a-url",
        "chatd.providers.ollama.base-url, ftp://example.com",
        "chatd.providers.ollama_cloud.base-url, http//ollama.com",
        "chatd.providers.ollama.enabled, flase",
        "server.port, eighty",
        "server.port, 70000",
    })
    void invalidValueFailsNamingTheKey(String key, String value) {
        assertThatThrownBy(() -> read(Map.of(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key);
    }

    /** One line with the key, the value and the type expected, never Helidon's mapper internals. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "chatd.timeout-secs | abc | chatd.timeout-secs = 'abc': expected a positive whole number",
                "chatd.timeout-secs | 1.5 | chatd.timeout-secs = '1.5': expected a positive whole number",
                "chatd.max-request-bytes | -5 | chatd.max-request-bytes = '-5': expected a positive whole number",
                "server.port | eighty | server.port = 'eighty': expected a port number from 0 to 65535",
                "chatd.providers.ollama.enabled | flase | chatd.providers.ollama.enabled = 'flase': expected true or false",
                "chatd.providers.ollama.base-url | ftp://x | chatd.providers.ollama.base-url = 'ftp://x': expected an http(s) URL",
            })
    void wrongTypeSaysKeyValueAndExpectedType(String key, String value, String message) {
        assertThatThrownBy(() -> read(Map.of(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void aSectionWhereAValueBelongsIsNamed(@TempDir Path dir) throws IOException {
        Path file = yaml(dir, "chatd:\n  timeout-secs:\n    value: 5\n");

        assertThatThrownBy(() -> ChatdConfig.from(load(file, Map.of()).config(), NO_ENV))
                .hasMessage("chatd.timeout-secs is a section: expected a single value");
    }

    @Test
    void helidonMappingFailuresAreRewrittenToKeyValueAndType() {
        String helidon = "Mapping of value 'lots' stored under key 'server.max-payload-size' has failed: Invocation of"
                + " mapper 'io.helidon.config.ConfigMappers$$Lambda/0x01@5427c60c' has failed with an exception.";
        ConfigException e = new ConfigException(helidon, new NumberFormatException("For input string: \"lots\""));

        assertThat(Main.oneLine(e)).isEqualTo("server.max-payload-size = 'lots': expected a number");
    }

    @Test
    void yamlErrorNamesTheFileAndTheLine(@TempDir Path dir) throws IOException {
        Path file = yaml(dir, "chatd:\n  timeout-secs: 5\n   bad: [\n");

        assertThatThrownBy(() -> load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cannot read " + file + ": line 3, column ")
                .hasMessageNotContaining("\n");
    }

    // ---- the schema: environment variables and unknown keys ----

    @Test
    void environmentVariablesSetTheKeysTheyNameAfterTheSchema() {
        Map<String, String> env = Map.of(
                "CHATD_TIMEOUT_SECS", "60",
                "CHATD_MAX_REQUEST_BYTES", "1024",
                "CHATD_DEFAULT_PROVIDER", "ollama_cloud",
                "CHATD_PROVIDERS_OLLAMA_BASE_URL", "http://gpu-box:11434",
                "CHATD_PROVIDERS_OLLAMA_CLOUD_KEY_ENV", "MY_CLOUD_KEY",
                "CHATD_PROVIDERS_OLLAMA_CLOUD_ENABLED", "false",
                "CHATD_PROVIDERS_OPENROUTER_REFERER", "https://example.org",
                "CHATD_PROVIDERS_KIMI_HEADERS_USER_AGENT", "my-agent/1.0",
                "SERVER_PORT", "9090",
                "SERVER_HOST", "0.0.0.0");

        Main.Loaded loaded = load(null, env);
        ChatdConfig config = ChatdConfig.from(loaded.config(), NO_ENV);

        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxRequestBytes()).isEqualTo(1024);
        assertThat(config.defaultProvider()).isEqualTo("ollama_cloud");
        assertThat(config.providers().get("ollama").baseUrl()).isEqualTo(URI.create("http://gpu-box:11434"));
        assertThat(config.providers().get("ollama").keyEnv())
                .as("ollama_cloud's key-env is not ollama's")
                .isNull();
        assertThat(config.providers().get("ollama_cloud").keyEnv()).isEqualTo("MY_CLOUD_KEY");
        assertThat(config.providers().get("ollama_cloud").enabled()).isFalse();
        assertThat(config.providers().get("openrouter").settings()).containsEntry("referer", "https://example.org");
        assertThat(config.providers().get("kimi").headers()).containsEntry("user-agent", "my-agent/1.0");
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.port()).isEqualTo(9090);
        assertThat(loaded.environment().variables())
                .containsEntry("chatd.timeout-secs", "CHATD_TIMEOUT_SECS")
                .containsEntry("chatd.providers.ollama_cloud.key-env", "CHATD_PROVIDERS_OLLAMA_CLOUD_KEY_ENV");
        assertThat(loaded.describe(null))
                .contains("chatd.timeout-secs (CHATD_TIMEOUT_SECS)")
                .as("names only: a header may hold a secret")
                .doesNotContain("my-agent");
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void kimisApiSettingIsKnownAndMappedFromTheEnvironment() {
        Main.Loaded loaded = load(null, Map.of("CHATD_PROVIDERS_KIMI_API", "anthropic"));
        ChatdConfig config = ChatdConfig.from(loaded.config(), NO_ENV);

        assertThat(config.providers().get("kimi").settings()).containsEntry("api", "anthropic");
        assertThat(loaded.warnings()).as("api is one of kimi's own keys").isEmpty();
    }

    @Test
    void environmentWinsOverTheFileAndReachesProvidersNamedOnlyInTheFile(@TempDir Path dir) throws IOException {
        Path file = yaml(dir, """
                chatd:
                  timeout-secs: 300
                  max-request-bytes: 2048
                  providers:
                    my_gateway:
                      base-url: http://from-file:1
                """);

        ChatdConfig config = ChatdConfig.from(
                load(
                                file,
                                Map.of(
                                        "CHATD_TIMEOUT_SECS",
                                        "60",
                                        "CHATD_PROVIDERS_MY_GATEWAY_BASE_URL",
                                        "http://from-env:2"))
                        .config(),
                NO_ENV);

        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxRequestBytes()).as("the file still counts").isEqualTo(2048);
        assertThat(config.providers().get("my_gateway").baseUrl()).isEqualTo(URI.create("http://from-env:2"));
    }

    /** Helidon's own mapping reads CHATD_TIMEOUT_SECS as chatd.timeout.secs, which nothing reads. */
    @Test
    void helidonsOwnMappingOfVariablesIsOff() {
        Main.Loaded loaded = load(null, Map.of("CHATD_TIMEOUT_SECS", "60", "CHATD_TIMEOUT", "5"));

        assertThat(loaded.config().get("chatd.timeout.secs").exists()).isFalse();
        assertThat(loaded.config().get("chatd.timeout").exists()).isFalse();
        assertThat(loaded.config().get("chatd.timeout-secs").asString().get()).isEqualTo("60");
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void aMisspeltVariableIsAWarningAndOthersAreNot() {
        Main.Loaded loaded = load(
                null,
                Map.of(
                        "CHATD_TIMEOUT_SEC",
                        "60",
                        "CHATD_AUTH_TOKEN",
                        "tok",
                        "CHATD_JAVA_OPTS",
                        "-Xmx1g",
                        "CHATD_CACHE_DIR",
                        "/tmp",
                        "PATH",
                        "/usr/bin"));

        assertThat(loaded.warnings())
                .containsExactly(
                        "environment variable CHATD_TIMEOUT_SEC sets nothing; did you mean CHATD_TIMEOUT_SECS?");
    }

    @Test
    void everyKnownKeyHasItsOwnVariable() {
        Map<String, Set<String>> providers = new HashMap<>();
        FACTORIES.forEach(f -> providers.put(f.name(), ProviderDiscovery.settingKeys(f)));
        Set<String> variables = new HashSet<>();
        List<String> keys = new java.util.ArrayList<>();
        ChatdConfig.KEYS.forEach(k -> keys.add("chatd." + k));
        ChatdConfig.SERVER_KEYS.forEach(k -> keys.add("server." + k));
        providers.forEach((name, own) -> {
            ChatdConfig.PROVIDER_KEYS.forEach(k -> keys.add("chatd.providers." + name + "." + k));
            own.forEach(k -> keys.add("chatd.providers." + name + "." + k));
        });
        for (String key : keys) {
            assertThat(variables.add(KnownKeys.variable(key)))
                    .as("variable of " + key + " is unique")
                    .isTrue();
        }
    }

    @Test
    void unknownKeysAreWarnedWithTheClosestKnownKey(@TempDir Path dir) throws IOException {
        Path file = yaml(dir, """
                chatd:
                  timeout-sec: 30
                  default-provder: ollama
                  stream-keep-alive-secs: 10
                  upstrem:
                    max-connections-per-host: 8
                  tokens: [a, b]
                  providers:
                    ollama:
                      base_url: http://localhost:11434
                      enabeld: true
                      referer: https://example.org
                      headers:
                        X-Anything: goes
                    openrouter:
                      referer: https://example.org
                      title: chatd
                      titel: typo
                    not_installed:
                      key_env: X
                """);

        assertThat(load(file, Map.of()).warnings())
                .containsExactlyInAnyOrder(
                        "unknown key chatd.timeout-sec; did you mean timeout-secs?",
                        "unknown key chatd.default-provder; did you mean default-provider?",
                        "unknown key chatd.stream-keep-alive-secs; did you mean stream-keepalive-secs?",
                        "unknown key chatd.upstrem.max-connections-per-host; did you mean upstream.max-connections-per-host?",
                        "unknown key chatd.tokens is ignored; chatd.example.yaml and the README list every key",
                        "unknown key chatd.providers.ollama.base_url; did you mean base-url?",
                        "unknown key chatd.providers.ollama.enabeld; did you mean enabled?",
                        "unknown key chatd.providers.ollama.referer is ignored; chatd.example.yaml and the README list every key",
                        "unknown key chatd.providers.openrouter.titel; did you mean title?",
                        "unknown key chatd.providers.not_installed.key_env; did you mean key-env?");
    }

    @Test
    void everyKeyOfTheSchemaIsKnownIncludingThoseOfOtherSettings() {
        Map<String, String> values = new HashMap<>();
        ChatdConfig.KEYS.forEach(k -> values.put("chatd." + k, "1"));
        ChatdConfig.PROVIDER_KEYS.forEach(k -> values.put("chatd.providers.ollama." + k, "1"));

        assertThat(KnownKeys.unknownKeys(TestServer.config(values), Map.of("ollama", Set.of())))
                .isEmpty();
        assertThat(ChatdConfig.KEYS)
                .contains(
                        "max-reply-bytes",
                        "max-stream-line-bytes",
                        "upstream.max-connections-per-host",
                        "upstream.idle-timeout-secs",
                        "client-read-timeout-secs",
                        "client-idle-timeout-secs",
                        "shutdown-grace-secs");
    }

    @Test
    void theExampleConfigurationHasNoUnknownKeyAndReads() {
        Path example = Path.of(System.getProperty("basedir", "."))
                .toAbsolutePath()
                .resolve("../chatd.example.yaml")
                .normalize();

        Main.Loaded loaded = load(example, Map.of());

        assertThat(loaded.warnings()).isEmpty();
        assertThat(ChatdConfig.from(loaded.config(), NO_ENV).host()).isEqualTo(ChatdConfig.DEFAULT_HOST);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "timeout-sec, timeout-secs",
        "TIMEOUT_SECS, timeout-secs",
        "default-provder, default-provider",
        "enabeld, enabled",
        "base_url, base-url",
        "keyenv, key-env",
    })
    void closestKnownKey(String typo, String known) {
        assertThat(KnownKeys.closest(
                        typo, List.of("timeout-secs", "default-provider", "enabled", "base-url", "key-env")))
                .contains(known);
    }

    @Test
    void nothingIsSuggestedWhenNothingIsClose() {
        assertThat(KnownKeys.closest("colour", List.of("timeout-secs", "enabled", "key-env")))
                .isEmpty();
        assertThat(KnownKeys.closest("CHATD_AUTH_TOKEN", List.of("CHATD_AUTH_TOKEN_ENV", "CHATD_AUTH_TOKEN_FILE")))
                .isEmpty();
    }

    @Test
    void commandLine() {
        assertThat(Main.Arguments.parse(new String[] {"--help"}).help()).isTrue();
        assertThat(Main.Arguments.parse(new String[] {"-h"}).help()).isTrue();
        assertThat(Main.Arguments.parse(new String[] {"--version"}).version()).isTrue();
        assertThat(Main.Arguments.parse(new String[] {"--config", "no-such.yaml", "--version"})
                        .version())
                .isTrue();
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--config", "no-such.yaml"}))
                .hasMessageContaining("no-such.yaml");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--config"}))
                .hasMessageContaining("needs a file");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--port", "80"}))
                .hasMessageContaining("'--port'");
        assertThat(Main.HELP)
                .contains("--config", "--help", "--version", "README.md", "chatd.example.yaml", "CHATD_TIMEOUT_SECS");
    }

    @Test
    void configuredKeyEnvAndKeyFileAreUsed(@TempDir Path dir) throws IOException {
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama_cloud.key-env", "MY_OLLAMA_KEY")
                .env("MY_OLLAMA_KEY", "renamed-var-key")
                .start()) {
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
                .config("chatd.providers.ollama_cloud.key-file", file.toString())
                .start()) {
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
                        .config("chatd.providers.openrouterr.base-url", "https://openrouter.ai/api/v1")
                        .start()) {
            assertThat(server.get("/health").status()).isEqualTo(200);
            assertThat(log.records()).anySatisfy(r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(LogCapture.text(r)).contains("openrouterr", "ollama");
            });
        }
    }

    @Test
    void upstreamLimitsDefaultToTheDocumentedValues() {
        HelidonTransport.Settings upstream = read(Map.of()).upstream();

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

        HelidonTransport.Settings expected = new HelidonTransport.Settings(1048576, 65536, 8, Duration.ofSeconds(5));
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
