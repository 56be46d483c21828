package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.spi.Secret;
import dev.chatd.core.KeyResolver;
import io.helidon.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named clients ({@code chatd.auth.tokens}): each token logs its client in, by either header,
 * beside the single token (client {@code default}); the client's name is in the access line; an
 * allow list refuses other models with a 403 in the caller's format before anything goes
 * upstream; a client whose token does not resolve cannot log in; no token is ever shown.
 */
class NamedClientsTest {
    private static final String CI = "tok-canary-ci-5d1f0a";
    private static final String ALICE = "tok-canary-alice-93be7c";
    private static final String DEFAULT = "tok-canary-default-2a6e41";
    private static final List<String> CANARIES = List.of(CI, ALICE, DEFAULT);
    private static final String MOCK = """
            {"model":"mock/echo","messages":[{"role":"user","content":"Hi"}]}""";

    /**
     * Helidon configures logging once, at its first start in the JVM, which drops handlers
     * added before it; a capture opened before a server starts (for start-up lines) needs that done.
     */
    @BeforeAll
    static void letHelidonSetUpLogging() {
        TestServer.start().close();
    }

    private static TestServer start(Path dir) throws IOException {
        return start(dir, "text");
    }

    private static TestServer start(Path dir, String logFormat) throws IOException {
        Path aliceFile = dir.resolve("alice.env");
        Files.writeString(aliceFile, "# alice's token\nCHATD_TOKEN_ALICE=" + ALICE + "\n");
        TestServer server = TestServer.builder()
                .config("chatd.log.format", logFormat)
                .config("chatd.auth.tokens.0.name", "ci-bots")
                .config("chatd.auth.tokens.0.token-env", "CHATD_TOKEN_CI")
                .config("chatd.auth.tokens.1.name", "alice")
                .config("chatd.auth.tokens.1.token-env", "CHATD_TOKEN_ALICE")
                .config("chatd.auth.tokens.1.token-file", aliceFile.toString())
                .config("chatd.auth.tokens.1.allow.0", "mock")
                .config("chatd.auth.tokens.1.allow.1", "ollama/llama3.2")
                .config("chatd.auth.tokens.2.name", "bob")
                .config("chatd.auth.tokens.2.token-env", "CHATD_TOKEN_BOB")
                .env("CHATD_TOKEN_CI", CI)
                .env("CHATD_TOKEN_BOB", "  ")
                .env("CHATD_AUTH_TOKEN", DEFAULT)
                .start();
        server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
        return server;
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    @Test
    void eachTokenLogsItsClientInAndTheLineNamesIt(@TempDir Path dir) throws Exception {
        try (LogCapture log = LogCapture.start();
                TestServer server = start(dir)) {
            List<TestServer.Reply> replies = new ArrayList<>();
            replies.add(
                    server.post("/chat", TestServer.HELLO, "Authorization", "Bearer " + CI, "X-Request-Id", "ci-1"));
            replies.add(server.post("/v1/chat/completions", MOCK, "x-api-key", ALICE, "X-Request-Id", "alice-1"));
            replies.add(server.post(
                    "/api/chat",
                    chat("ollama/llama3.2"),
                    "Authorization",
                    "Bearer " + ALICE,
                    "X-Request-Id",
                    "alice-2"));
            replies.add(server.post(
                    "/chat", TestServer.HELLO, "Authorization", "Bearer " + DEFAULT, "X-Request-Id", "default-1"));
            replies.add(server.get("/v1/models", "x-api-key", CI, "X-Request-Id", "ci-2"));
            assertThat(replies)
                    .allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(200));

            assertThat(AccessLogTest.line(log, "ci-1")).contains(" client=ci-bots ", "status=200");
            assertThat(AccessLogTest.line(log, "alice-1")).contains(" client=alice ", "model=mock/echo");
            assertThat(AccessLogTest.line(log, "alice-2")).contains(" client=alice ", "model=ollama/llama3.2");
            assertThat(AccessLogTest.line(log, "default-1")).contains(" client=default ");
            assertThat(AccessLogTest.line(log, "ci-2")).contains(" client=ci-bots ", "path=/v1/models");
            assertNoCanary(log, replies);
        }
    }

    @Test
    void aModelOutsideTheAllowListIs403InTheCallersFormatAndNeverSent(@TempDir Path dir) throws Exception {
        try (LogCapture log = LogCapture.start();
                TestServer server = start(dir)) {
            int before = server.fake.requests().size();
            TestServer.Reply openAi = server.post(
                    "/v1/chat/completions", chat("ollama/qwen3:8b"), "x-api-key", ALICE, "X-Request-Id", "deny-1");
            TestServer.Reply ollama =
                    server.post("/api/chat", chat("ollama_cloud/gpt-oss:120b"), "Authorization", "Bearer " + ALICE);
            TestServer.Reply anthropic = server.post(
                    "/v1/messages",
                    "{\"model\":\"openrouter/x\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                    "x-api-key",
                    ALICE);
            TestServer.Reply streamed = server.post(
                    "/v1/chat/completions",
                    "{\"model\":\"ollama/qwen3:8b\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                    "Authorization",
                    "Bearer " + ALICE);
            TestServer.Reply unrouted = server.post("/v1/chat/completions", chat("nowhere/x"), "x-api-key", ALICE);

            assertThat(openAi.status()).as(openAi.toString()).isEqualTo(403);
            assertThat(openAi.error()).containsEntry("code", "forbidden").containsEntry("type", "permission_error");
            assertThat(openAi.errorMessage())
                    .contains("client 'alice'", "'ollama/qwen3:8b'", "provider 'ollama'", "mock, ollama/llama3.2");
            assertThat(ollama.status()).as(ollama.toString()).isEqualTo(403);
            assertThat((String) ollama.json().get("error")).contains("client 'alice'", "ollama_cloud");
            assertThat(anthropic.status()).as(anthropic.toString()).isEqualTo(403);
            assertThat(anthropic.json()).containsEntry("type", "error");
            assertThat(anthropic.body()).contains("client 'alice'", "permission_error");
            assertThat(streamed.status()).as(streamed.toString()).isEqualTo(403);
            assertThat(unrouted.status()).as(unrouted.toString()).isEqualTo(403);
            assertThat(server.fake.requests())
                    .as("nothing refused went upstream")
                    .hasSize(before);
            assertThat(AccessLogTest.line(log, "deny-1")).contains(" client=alice ", "status=403", "outcome=forbidden");
            assertNoCanary(log, List.of(openAi, ollama, anthropic, streamed, unrouted));
        }
    }

    @Test
    void aWrongTokenOrAClientWithoutOneCannotLogIn(@TempDir Path dir) throws Exception {
        try (LogCapture log = LogCapture.start();
                TestServer server = start(dir)) {
            List<TestServer.Reply> replies = List.of(
                    server.post(
                            "/chat", TestServer.HELLO, "Authorization", "Bearer " + CI + "x", "X-Request-Id", "w-1"),
                    server.post("/chat", TestServer.HELLO, "x-api-key", ALICE.substring(1)),
                    server.post("/chat", TestServer.HELLO, "Authorization", "Bearer  "),
                    server.post("/chat", TestServer.HELLO, "x-api-key", "  "),
                    server.post("/chat", TestServer.HELLO));
            assertThat(replies).allSatisfy(AuthTest::assertUnauthorized);
            assertThat(AccessLogTest.line(log, "w-1")).contains("status=401").doesNotContain("client=");
            assertThat(log.records().stream().map(LogCapture::text))
                    .anySatisfy(line ->
                            assertThat(line).contains("client 'bob' has no token", "CHATD_TOKEN_BOB", "cannot log in"));
            assertNoCanary(log, replies);
        }
    }

    @Test
    void noTokenInAJsonAccessLogEither(@TempDir Path dir) throws Exception {
        try (LogCapture log = LogCapture.start();
                TestServer server = start(dir, "json")) {
            List<TestServer.Reply> replies = List.of(
                    server.post("/chat", TestServer.HELLO, "Authorization", "Bearer " + CI, "X-Request-Id", "j-1"),
                    server.post("/chat", TestServer.HELLO, "Authorization", "Bearer " + CI + "x"),
                    server.post("/v1/chat/completions", chat("ollama/qwen3:8b"), "x-api-key", ALICE));
            assertThat(replies).extracting(TestServer.Reply::status).containsExactly(200, 401, 403);
            assertThat(JsonAccessLogTest.jsonLine(log, "j-1")).containsEntry("client", "ci-bots");
            Thread.sleep(200); // the other lines are written as their requests end
            assertNoCanary(log, replies);
        }
    }

    @Test
    void namedTokensThatNoneResolveStillTurnAuthOn() {
        try (TestServer server = TestServer.builder()
                .config("chatd.auth.tokens.0.name", "ci")
                .config("chatd.auth.tokens.0.token-env", "CHATD_TOKEN_UNSET")
                .start()) {
            AuthTest.assertUnauthorized(server.post("/chat", TestServer.HELLO));
            AuthTest.assertUnauthorized(server.post("/chat", TestServer.HELLO, "Authorization", "Bearer "));
            assertThat(server.fake.requests()).isEmpty();
        }
    }

    @Test
    void everyTokenIsComparedAndTheFirstMatchNamesTheClient() {
        ClientTokens tokens = ClientTokens.of(List.of(
                        new ClientToken("a", Optional.of(Secret.of("ta")), "test", List.of()),
                        new ClientToken("none", Optional.empty(), "test", List.of()),
                        new ClientToken("b", Optional.of(Secret.of("tb")), "test", List.of("mock"))))
                .orElseThrow();
        assertThat(tokens.identify("Bearer ta", null))
                .map(ClientTokens.Client::name)
                .contains("a");
        assertThat(tokens.identify("bearer  tb ", null))
                .map(ClientTokens.Client::name)
                .contains("b");
        assertThat(tokens.identify(null, "tb")).map(ClientTokens.Client::name).contains("b");
        assertThat(tokens.identify("Bearer wrong", "ta"))
                .map(ClientTokens.Client::name)
                .contains("a");
        assertThat(tokens.identify("Bearer tb", "ta"))
                .map(ClientTokens.Client::name)
                .contains("a");
        assertThat(tokens.identify("Bearer ", "")).isEmpty();
        assertThat(tokens.identify(null, null)).isEmpty();
        assertThat(ClientTokens.of(List.of())).isEmpty();

        ClientTokens.Client b = tokens.identify(null, "tb").orElseThrow();
        assertThat(b.mayUse("mock/echo", "mock")).isTrue();
        assertThat(b.mayUse("ollama/x", "ollama")).isFalse();
        assertThat(b.mayUse("ollama/x", null)).isFalse();
    }

    // ---- configuration ----

    @Test
    void tokensReadFromYamlWithTheirAllowLists(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("chatd.yaml"), """
                chatd:
                  auth:
                    tokens:
                      - name: ci-bots
                        token-env: CHATD_TOKEN_CI
                      - name: alice
                        token-file: %s
                        allow: [coder, openrouter]
                  log:
                    format: json
                """.formatted(dir.resolve("alice.env")));
        Files.writeString(dir.resolve("alice.env"), ALICE + "\n");
        Main.Loaded loaded = Main.load(file, Map.of(), List.of());
        assertThat(loaded.warnings()).isEmpty();

        ChatdConfig config = ChatdConfig.from(loaded.config(), new KeyResolver(Map.of("CHATD_TOKEN_CI", CI)::get));
        assertThat(config.clients())
                .extracting(ClientToken::name, ClientToken::token, ClientToken::allow)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ci-bots", Optional.of(Secret.of(CI)), List.of()),
                        org.assertj.core.groups.Tuple.tuple(
                                "alice", Optional.of(Secret.of(ALICE)), List.of("coder", "openrouter")));
        assertThat(config.logFormat()).isEqualTo(LogFormat.JSON);
        assertThat(config.toString()).doesNotContain(CI, ALICE);
    }

    @Test
    void aMisspeltKeyInATokenEntryIsWarnedAndTheEntrysKeysAreNot(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("chatd.yaml"), """
                chatd:
                  auth:
                    tokens:
                      - name: ci
                        token-env: A
                        allow: [mock]
                      - name: ci2
                        toke-env: B
                        token-env: C
                        alow: [x]
                """);
        assertThat(Main.load(file, Map.of(), List.of()).warnings())
                .containsExactlyInAnyOrder(
                        "unknown key chatd.auth.tokens.1.toke-env; did you mean token-env?",
                        "unknown key chatd.auth.tokens.1.alow; did you mean allow?");
    }

    @Test
    void badTokenEntriesAreRefusedAtStartUp() {
        assertThatThrownBy(() -> read(Map.of("chatd.auth.tokens.0.token-env", "A")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() ->
                        read(Map.of("chatd.auth.tokens.0.name", "has space", "chatd.auth.tokens.0.token-env", "A")))
                .hasMessageContaining("client name");
        assertThatThrownBy(() -> read(Map.of("chatd.auth.tokens.0.name", "a"))).hasMessageContaining("token-env");
        assertThatThrownBy(() -> read(Map.of(
                        "chatd.auth.tokens.0.name", "a",
                        "chatd.auth.tokens.0.token-env", "A",
                        "chatd.auth.tokens.1.name", "a",
                        "chatd.auth.tokens.1.token-env", "B")))
                .hasMessageContaining("named twice");
        assertThatThrownBy(() -> ChatdConfig.from(
                        TestServer.config(
                                Map.of("chatd.auth.tokens.0.name", "default", "chatd.auth.tokens.0.token-env", "A")),
                        new KeyResolver(Map.of("CHATD_AUTH_TOKEN", DEFAULT)::get)))
                .hasMessageContaining("'default'");
        assertThatThrownBy(() -> read(Map.of("chatd.auth.tokens", "x"))).hasMessageContaining("expected a list");
        assertThatThrownBy(() -> read(Map.of("chatd.log.format", "xml")))
                .hasMessageContaining("chatd.log.format")
                .hasMessageContaining("text or json");
        assertThat(read(Map.of()).logFormat()).isEqualTo(LogFormat.TEXT);
        assertThat(read(Map.of()).clients()).isEmpty();
    }

    private static ChatdConfig read(Map<String, String> values) {
        return ChatdConfig.from(TestServer.config(values), new KeyResolver(name -> null));
    }

    /** No canary token in any log line, reply body or reply header. */
    static void assertNoCanary(LogCapture log, List<TestServer.Reply> replies) {
        for (LogRecord record : log.records()) {
            assertThat(LogCapture.text(record)).doesNotContain(CANARIES);
        }
        for (TestServer.Reply reply : replies) {
            assertThat(reply.body()).doesNotContain(CANARIES);
            reply.headers()
                    .map()
                    .forEach((name, values) ->
                            assertThat(String.join(",", values)).as(name).doesNotContain(CANARIES));
        }
    }
}
