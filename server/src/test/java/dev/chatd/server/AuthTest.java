package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Inbound bearer-token auth: on when a token is configured, off otherwise; never on /health. */
class AuthTest {
    private static final String TOKEN = "inbound-token-4d2e";

    private static TestServer withToken() {
        TestServer server = TestServer.builder().env("CHATD_AUTH_TOKEN", TOKEN).start();
        server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
        server.fake.on("GET", "/api/version", json(200, "{\"version\":\"0.5.1\"}"));
        return server;
    }

    static void assertUnauthorized(TestServer.Reply reply) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(401);
        assertThat(reply.header("WWW-Authenticate")).as(reply.toString()).startsWith("Bearer");
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.errorType()).isEqualTo("unauthorized");
        assertThat(reply.errorMessage()).contains("Authorization: Bearer");
    }

    @Test
    void requestWithoutATokenIs401() {
        try (TestServer server = withToken()) {
            assertUnauthorized(server.post("/chat", TestServer.HELLO));
            assertUnauthorized(server.get("/chat/providers"));
            assertUnauthorized(server.get("/v1/chat/providers"));
            assertThat(server.fake.requests())
                    .as("nothing reached the upstream")
                    .isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Bearer wrong-token",
                "Bearer " + TOKEN + "x",
                "Bearer inbound-token-4d2",
                "Basic " + TOKEN,
                TOKEN,
                "Bearer ",
                "Bearer"
            })
    void requestWithAWrongTokenIs401(String authorization) {
        try (TestServer server = withToken()) {
            assertUnauthorized(server.post("/chat", TestServer.HELLO, "Authorization", authorization));
            assertThat(server.fake.requests()).isEmpty();
        }
    }

    @Test
    void requestWithTheRightTokenPasses() {
        try (TestServer server = withToken()) {
            TestServer.Reply chat = server.post("/chat", TestServer.HELLO, "Authorization", "Bearer " + TOKEN);
            assertThat(chat.status()).as(chat.toString()).isEqualTo(200);
            assertThat(chat.json().get("provider")).isEqualTo("ollama");

            TestServer.Reply providers = server.get("/chat/providers", "Authorization", "bearer " + TOKEN);
            assertThat(providers.status())
                    .as("the scheme is case-insensitive: " + providers)
                    .isEqualTo(200);
        }
    }

    @Test
    void healthNeedsNoToken() {
        try (TestServer server = withToken()) {
            TestServer.Reply health = server.get("/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json()).containsEntry("status", "ok");
            assertThat(server.get("/health", "Authorization", "Bearer wrong").status())
                    .isEqualTo(200);
        }
    }

    @Test
    void unknownRouteWithoutATokenIs401NotA404() {
        try (TestServer server = withToken()) {
            assertUnauthorized(server.get("/admin"));
        }
    }

    @Test
    void withoutATokenConfiguredEverythingIsOpen() {
        try (TestServer server =
                TestServer.builder().env("CHATD_AUTH_TOKEN", "   ").start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertThat(server.post("/chat", TestServer.HELLO).status()).isEqualTo(200);
            assertThat(server.post("/chat", TestServer.HELLO, "Authorization", "Bearer anything")
                            .status())
                    .isEqualTo(200);
            assertThat(server.get("/chat/providers").status()).isEqualTo(200);
        }
    }

    @Test
    void tokenFromAnEnvFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("chatd.env");
        Files.writeString(file, """
                # chatd's inbound token
                export CHATD_AUTH_TOKEN="file-token-91ab"
                """);
        try (TestServer server = TestServer.builder()
                .config("chatd.auth.token-file", file.toString())
                .start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertUnauthorized(server.post("/chat", TestServer.HELLO));
            assertUnauthorized(server.post("/chat", TestServer.HELLO, "Authorization", "Bearer \"file-token-91ab\""));
            TestServer.Reply ok = server.post("/chat", TestServer.HELLO, "Authorization", "Bearer file-token-91ab");
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        }
    }

    @Test
    void tokenFromARenamedVariable() {
        try (TestServer server = TestServer.builder()
                .config("chatd.auth.token-env", "MY_GATEWAY_TOKEN")
                .env("MY_GATEWAY_TOKEN", "renamed-token")
                .env("CHATD_AUTH_TOKEN", "not-this-one")
                .start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            assertUnauthorized(server.post("/chat", TestServer.HELLO, "Authorization", "Bearer not-this-one"));
            assertThat(server.post("/chat", TestServer.HELLO, "Authorization", "Bearer renamed-token")
                            .status())
                    .isEqualTo(200);
        }
    }
}
