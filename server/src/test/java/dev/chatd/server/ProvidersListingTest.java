package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /chat/providers}: every registered provider by name and whether it is up (seed fix
 * B-2). The keyless {@code mock} is always registered and always up.
 */
class ProvidersListingTest {

    @ParameterizedTest
    @ValueSource(strings = {"/chat/providers", "/v1/chat/providers"})
    void localOllamaIsUpWhenItAnswersItsVersion(String path) {
        try (TestServer server = TestServer.start()) {
            server.fake.on("GET", "/api/version", json(200, "{\"version\":\"0.5.1\"}"));

            TestServer.Reply reply = server.get(path);

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            assertThat(reply.json()).isEqualTo(Map.of("providers", Map.of("mock", true, "ollama", true)));
            assertThat(server.fake.lastRequest().path()).isEqualTo("/api/version");
        }
    }

    @Test
    void localOllamaIsDownWhenNothingListens() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama.base-url", "http://127.0.0.1:" + closedPort)
                .start()) {
            TestServer.Reply reply = server.get("/chat/providers");

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.json()).isEqualTo(Map.of("providers", Map.of("mock", true, "ollama", false)));
        }
    }

    @Test
    void localOllamaIsDownWhenItsProbeFails() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("GET", "/api/version", json(500, "{\"error\":\"starting\"}"));

            assertThat(server.get("/chat/providers").json())
                    .isEqualTo(Map.of("providers", Map.of("mock", true, "ollama", false)));
        }
    }

    @Test
    void ollamaCloudIsListedOnceItsKeyIsSet() {
        try (TestServer server =
                TestServer.builder().env("OLLAMA_API_KEY", "cloud-key").start()) {
            server.fake.on("GET", "/api/version", json(200, "{\"version\":\"0.5.1\"}"));

            assertThat(server.get("/chat/providers").json())
                    .isEqualTo(Map.of("providers", Map.of("mock", true, "ollama", true, "ollama_cloud", true)));
        }
    }

    @Test
    void ollamaCloudWithABlankKeyIsNotListed() {
        try (TestServer server = TestServer.builder().env("OLLAMA_API_KEY", " ").start()) {
            server.fake.on("GET", "/api/version", json(200, "{\"version\":\"0.5.1\"}"));

            assertThat(server.get("/chat/providers").json())
                    .isEqualTo(Map.of("providers", Map.of("mock", true, "ollama", true)));
        }
    }

    @Test
    void disabledProviderIsListedAsDown() {
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama.enabled", "false")
                .env("OLLAMA_API_KEY", "cloud-key")
                .start()) {
            server.fake.on("GET", "/api/version", json(200, "{\"version\":\"0.5.1\"}"));

            assertThat(server.get("/chat/providers").json())
                    .isEqualTo(Map.of("providers", Map.of("mock", true, "ollama", false, "ollama_cloud", true)));
            assertThat(server.fake.requests())
                    .as("a disabled provider is not probed")
                    .isEmpty();
        }
    }

    @Test
    void theMockIsListedAndCanBeDisabledLikeAnyProvider() {
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.mock.enabled", "false")
                .start()) {
            server.fake.on("GET", "/api/version", json(200, "{\"version\":\"0.5.1\"}"));

            assertThat(server.get("/chat/providers").json())
                    .isEqualTo(Map.of("providers", Map.of("mock", false, "ollama", true)));
            assertThat(server.post(
                                    "/chat",
                                    "{\"model\":\"mock/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                            .status())
                    .isEqualTo(503);
        }
    }

    @Test
    void disabledCloudProviderIsListedAsDown() {
        try (TestServer server = TestServer.builder()
                .config("chatd.providers.ollama_cloud.enabled", "false")
                .start()) {
            server.fake.on("GET", "/api/version", json(200, "{\"version\":\"0.5.1\"}"));

            assertThat(server.get("/chat/providers").json())
                    .isEqualTo(Map.of("providers", Map.of("mock", true, "ollama", true, "ollama_cloud", false)));
        }
    }
}
