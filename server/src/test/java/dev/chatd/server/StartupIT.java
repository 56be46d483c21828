package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up and configuration of the packaged JAR as a real process: what an operator sees when
 * the port is taken, a key is misspelt or of the wrong type, the YAML is broken, or settings
 * come from the environment; and that chatd is safe by default.
 */
class StartupIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String HELLO =
            "{\"model\":\"ollama/llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    private Path config(String yaml) throws Exception {
        return Files.writeString(dir.resolve("test.yaml"), yaml);
    }

    private ChatdProcess run(Map<String, String> env, String... args) {
        return ChatdProcess.jar(dir, List.of(), env, args);
    }

    private static void assertNoStackTrace(ChatdProcess chatd) {
        assertThat(chatd.lines())
                .as(chatd.text())
                .noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception") || line.contains("SEVERE"));
    }

    @Test
    void aTakenPortIsOneLineNamingTheAddressAndANonZeroExit() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            Path file = config("server:\n  host: 127.0.0.1\n  port: " + taken.getLocalPort() + "\n");

            try (ChatdProcess chatd = run(Map.of(), "--config", file.toString())) {
                assertThat(chatd.exitCode()).isEqualTo(1);
                assertThat(chatd.lines())
                        .filteredOn(line -> line.contains(address))
                        .containsExactly(
                                "chatd: cannot start: cannot listen on " + address + ": Address already in use");
                assertNoStackTrace(chatd);
            }
        }
    }

    @Test
    void misspeltKeysAreWarningsWithTheClosestKnownKey() throws Exception {
        Path file = config("""
                server:
                  port: 0
                chatd:
                  timeout-sec: 30
                  default-provder: ollama
                  providers:
                    ollama:
                      base_url: http://localhost:11434
                      enabeld: true
                """);

        try (ChatdProcess chatd = run(Map.of(), "--config", file.toString())) {
            chatd.port();
            assertThat(chatd.text())
                    .contains(
                            "WARNING dev.chatd.server.Main: unknown key chatd.timeout-sec; did you mean timeout-secs?",
                            "unknown key chatd.default-provder; did you mean default-provider?",
                            "unknown key chatd.providers.ollama.base_url; did you mean base-url?",
                            "unknown key chatd.providers.ollama.enabeld; did you mean enabled?");
        }
    }

    @Test
    void aValueOfTheWrongTypeIsOneLineAndANonZeroExit() throws Exception {
        Path file = config("server:\n  port: 0\nchatd:\n  timeout-secs: abc\n");

        try (ChatdProcess chatd = run(Map.of(), "--config", file.toString())) {
            assertThat(chatd.exitCode()).isEqualTo(1);
            assertThat(chatd.lines())
                    .filteredOn(line -> line.contains("timeout-secs"))
                    .containsExactly(
                            "chatd: cannot start: chatd.timeout-secs = 'abc': expected a positive whole number");
            assertThat(chatd.text()).doesNotContain("Mapping of value", "Lambda", "mapper");
            assertNoStackTrace(chatd);
        }
    }

    @Test
    void anAliasThatShadowsAProviderIsOneLineAndANonZeroExit() throws Exception {
        Path file = config("server:\n  port: 0\nchatd:\n  models:\n    openrouter: [ollama/qwen3:8b]\n");

        try (ChatdProcess chatd = run(Map.of(), "--config", file.toString())) {
            assertThat(chatd.exitCode()).isEqualTo(1);
            assertThat(chatd.lines())
                    .filteredOn(line -> line.startsWith("chatd: cannot start:"))
                    .containsExactly("chatd: cannot start: chatd.models.openrouter: an alias cannot be named"
                            + " 'openrouter', since 'openrouter' is a provider and 'openrouter/...' names its models;"
                            + " choose another name");
            assertNoStackTrace(chatd);
        }
    }

    @Test
    void aYamlErrorNamesTheFileAndTheLine() throws Exception {
        Path file = config("server:\n  port: 0\nchatd:\n  timeout-secs: 5\n   bad: [\n");

        try (ChatdProcess chatd = run(Map.of(), "--config", file.toString())) {
            assertThat(chatd.exitCode()).isEqualTo(1);
            assertThat(chatd.lines())
                    .anyMatch(
                            line -> line.startsWith("chatd: cannot start: cannot read " + file + ": line 5, column "));
            assertNoStackTrace(chatd);
        }
    }

    @Test
    void helpAndVersion() throws Exception {
        try (ChatdProcess chatd = run(Map.of(), "--help")) {
            assertThat(chatd.exitCode()).isZero();
            assertThat(chatd.lines().getFirst()).startsWith("usage: chatd [--config <file.yaml>]");
            assertThat(chatd.text()).contains("--version", "README.md", "chatd.example.yaml", "CHATD_TIMEOUT_SECS");
        }
        try (ChatdProcess chatd = run(Map.of(), "--version")) {
            assertThat(chatd.exitCode()).isZero();
            assertThat(chatd.lines()).hasSize(1);
            assertThat(chatd.lines().getFirst())
                    .startsWith("chatd " + System.getProperty("chatd.version", "0.1.0-SNAPSHOT") + " (Java ");
        }
        try (ChatdProcess chatd = run(Map.of(), "--verbose")) {
            assertThat(chatd.exitCode()).isEqualTo(2);
            assertThat(chatd.lines().getFirst()).isEqualTo("chatd: unknown argument '--verbose'");
        }
    }

    /**
     * The file points at a port where nothing listens and allows 300 s; the environment points
     * at an upstream that never answers and allows 1 s. Only if both variables are read does the
     * call end in a 504 within seconds (else a 502 for the refused port, or a 5-minute wait).
     */
    @Test
    void environmentVariablesNamedAfterTheKeysWinOverTheFile() throws Exception {
        try (FakeUpstream hanging = FakeUpstream.start().on("POST", "/api/chat", FakeUpstream.hanging())) {
            Path file = config(fileWithUnreachableOllama());
            Map<String, String> env = Map.of(
                    "CHATD_TIMEOUT_SECS",
                    "1",
                    "CHATD_PROVIDERS_OLLAMA_BASE_URL",
                    hanging.baseUrl().toString());

            try (ChatdProcess chatd = run(env, "--config", file.toString())) {
                assertTimesOutQuickly(chatd.port());
                assertThat(chatd.lines())
                        .anySatisfy(line -> assertThat(line)
                                .contains(
                                        "from the environment: ",
                                        "chatd.timeout-secs (CHATD_TIMEOUT_SECS)",
                                        "chatd.providers.ollama.base-url (CHATD_PROVIDERS_OLLAMA_BASE_URL)"));
            }
        }
    }

    @Test
    void systemPropertiesWinOverTheEnvironment() throws Exception {
        try (FakeUpstream hanging = FakeUpstream.start().on("POST", "/api/chat", FakeUpstream.hanging())) {
            Path file = config(fileWithUnreachableOllama());
            Map<String, String> env = Map.of("CHATD_TIMEOUT_SECS", "300");

            try (ChatdProcess chatd = ChatdProcess.jar(
                    dir,
                    List.of("-Dchatd.timeout-secs=1", "-Dchatd.providers.ollama.base-url=" + hanging.baseUrl()),
                    env,
                    "--config",
                    file.toString())) {
                assertTimesOutQuickly(chatd.port());
            }
        }
    }

    private static String fileWithUnreachableOllama() {
        return """
                server:
                  port: 0
                chatd:
                  timeout-secs: 300
                  providers:
                    ollama:
                      base-url: http://127.0.0.1:9
                """;
    }

    private static void assertTimesOutQuickly(int port) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> reply = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/chat"))
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(HELLO))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    /** No file at all: loopback only. (The default port, 8080, may be taken on CI: a unit test checks it.) */
    @Test
    void withoutAConfigFileChatdListensOnLoopbackOnly() throws Exception {
        try (ChatdProcess chatd = run(Map.of("SERVER_PORT", "0"))) {
            int port = chatd.port();
            assertThat(chatd.text())
                    .contains("chatd listening on port " + port + " at 127.0.0.1 (built-in defaults)")
                    .doesNotContain("beyond this machine");
            HttpResponse<String> health = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void listeningOnEveryInterfaceWithoutATokenIsAWarning() throws Exception {
        try (ChatdProcess chatd = run(Map.of("SERVER_PORT", "0", "SERVER_HOST", "0.0.0.0"))) {
            int port = chatd.port();
            assertThat(chatd.text())
                    .contains("WARNING dev.chatd.server.ChatdServer: listening on 0.0.0.0:" + port
                            + ", beyond this machine, with no inbound token");
        }
    }

    /** Canary values: a key or token with CR/LF stops start-up, naming where it came from, never the value. */
    @Test
    void aKeyOrTokenWithAControlCharacterStopsStartUpNamingItsSource() throws Exception {
        Path file = config("server:\n  port: 0\n");
        try (ChatdProcess chatd =
                run(Map.of("OLLAMA_API_KEY", "sk-canary-c7\r\nX-Injected: yes"), "--config", file.toString())) {
            assertThat(chatd.exitCode()).isEqualTo(1);
            assertThat(chatd.text())
                    .contains("chatd: cannot start: environment variable OLLAMA_API_KEY holds a key"
                            + " with a control character")
                    .doesNotContain("canary", "X-Injected");
        }
        try (ChatdProcess chatd = run(Map.of("CHATD_AUTH_TOKEN", "tok-canary-c8\nmore"), "--config", file.toString())) {
            assertThat(chatd.exitCode()).isEqualTo(1);
            assertThat(chatd.text())
                    .contains("environment variable CHATD_AUTH_TOKEN holds a key with a control character")
                    .doesNotContain("canary");
        }
        Path keyFile = Files.writeString(dir.resolve("openrouter.env"), "OPENROUTER_API_KEY=sk-canary-c9\u001b[2J\n");
        Path withKeyFile =
                config("server:\n  port: 0\nchatd:\n  providers:\n    openrouter:\n      key-file: " + keyFile + "\n");
        try (ChatdProcess chatd = run(Map.of(), "--config", withKeyFile.toString())) {
            assertThat(chatd.exitCode()).isEqualTo(1);
            assertThat(chatd.text())
                    .contains("key file " + keyFile + " holds a key with a control character")
                    .doesNotContain("canary");
        }
    }
}
