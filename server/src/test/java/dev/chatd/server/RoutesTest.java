package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routes outside the chat API: {@code /health} and everything chatd does not serve. */
class RoutesTest {

    @Test
    void healthIsAlwaysOk() {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.get("/health");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            assertThat(reply.json()).containsExactly(Map.entry("status", "ok"));
        }
    }

    @Test
    void healthIsOkEvenWhenNoProviderIsUsable() {
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama.enabled", "false")
                .start()) {
            assertThat(server.get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void unknownRouteIs404Json() {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.get("/v2/completions");

            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            assertThat(reply.errorType()).isEqualTo("not_found");
            assertThat(reply.errorMessage()).contains("GET /v2/completions", "POST /chat");
        }
    }

    @Test
    void wrongMethodOnAKnownPathIs404Json() {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.get("/chat");
            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.errorMessage()).contains("GET /chat");

            TestServer.Reply delete = server.send(server.request("/health").DELETE());
            assertThat(delete.status()).isEqualTo(404);
            assertThat(delete.errorType()).isEqualTo("not_found");
        }
    }

    @Test
    void postWithABodyToAnUnknownRouteIs404AndTheConnectionStaysUsable() {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.send(server.request("/nope")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(TestServer.HELLO)));
            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.errorType()).isEqualTo("not_found");
            assertThat(server.get("/health").status()).isEqualTo(200);
        }
    }
}
