package dev.chatd.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.TestProviderContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UpstreamClientTest {
    /** For calls that should succeed: roomy, since a cold JVM on a busy machine is slow. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** For calls that should time out. */
    private static final Duration SHORT = Duration.ofMillis(400);

    private static final String CANARY = "sk-canary-1234567890";

    private final FakeUpstream fake = FakeUpstream.start();

    @AfterEach
    void stopFake() {
        fake.close();
    }

    private TestProviderContext context() {
        return TestProviderContext.of("ollama_cloud", fake.baseUrl(), TIMEOUT);
    }

    private UpstreamClient keyed() {
        return UpstreamClient.create(context().withKey(CANARY), true, Map.of());
    }

    private UpstreamClient keyless() {
        return UpstreamClient.create(context(), true, Map.of());
    }

    @Test
    void postsTheJsonBodyAndReturnsTheReply() {
        fake.on("POST", "/api/chat", FakeUpstream.json(200, "{\"ok\":true}"));

        UpstreamReply reply = keyless().postJson("/api/chat", Map.of("model", "llama3.2"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.isSuccess()).isTrue();
        assertThat(reply.json()).isEqualTo(Map.of("ok", true));
        FakeUpstream.Recorded received = fake.lastRequest();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.path()).isEqualTo("/api/chat");
        assertThat(received.json()).isEqualTo(Map.of("model", "llama3.2"));
        assertThat(received.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void baseUrlWithTrailingSlashDoesNotDoubleTheSlash() {
        fake.on("GET", "/api/version", FakeUpstream.json(200, "{\"version\":\"0.5.1\"}"));
        URI withSlash = URI.create(fake.baseUrl() + "/");

        UpstreamReply reply = UpstreamClient.create(
                        TestProviderContext.of("ollama", withSlash, TIMEOUT), true, Map.of())
                .get("/api/version", TIMEOUT);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(fake.lastRequest().path()).isEqualTo("/api/version");
    }

    @Test
    void keyGoesOutAsBearerHeader() {
        fake.on("POST", "/api/chat", FakeUpstream.json(200, "{}"));

        keyed().postJson("/api/chat", Map.of());

        assertThat(fake.lastRequest().header("Authorization")).isEqualTo("Bearer " + CANARY);
    }

    @Test
    void noKeyMeansNoAuthorizationHeader() {
        fake.on("POST", "/api/chat", FakeUpstream.json(200, "{}"));

        keyless().postJson("/api/chat", Map.of());

        assertThat(fake.lastRequest().header("Authorization")).isNull();
    }

    @Test
    void keyIsNotSentWithoutBearer() {
        fake.on("POST", "/api/chat", FakeUpstream.json(200, "{}"));

        UpstreamClient.create(context().withKey(CANARY), false, Map.of("X-Api-Key", "other"))
                .postJson("/api/chat", Map.of());

        assertThat(fake.lastRequest().header("Authorization")).isNull();
        assertThat(fake.lastRequest().header("X-Api-Key")).isEqualTo("other");
    }

    @Test
    void configuredHeadersGoOutAndOverrideDefaults() {
        fake.on("POST", "/api/chat", FakeUpstream.json(200, "{}"));

        UpstreamClient.create(
                        context().withHeaders(Map.of("X-Title", "configured", "X-Team", "ml")),
                        true,
                        Map.of("X-Title", "default"))
                .postJson("/api/chat", Map.of());

        assertThat(fake.lastRequest().header("X-Title")).isEqualTo("configured");
        assertThat(fake.lastRequest().header("X-Team")).isEqualTo("ml");
    }

    @Test
    void hangingUpstreamTimesOutWithinRoughlyTheTimeout() {
        fake.on("POST", "/api/chat", FakeUpstream.hanging());
        UpstreamClient client =
                UpstreamClient.create(TestProviderContext.of("ollama_cloud", fake.baseUrl(), SHORT), true, Map.of());

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.postJson("/api/chat", Map.of()))
                .isInstanceOf(ChatException.UpstreamTimeout.class)
                .hasMessageContaining("ollama_cloud")
                .hasMessageContaining("400 ms")
                .satisfies(e -> assertThat(((ChatException.UpstreamTimeout) e).timeout())
                        .isEqualTo(SHORT));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(350)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void bodyThatNeverFinishesTimesOutToo() {
        fake.on("POST", "/api/chat", (request, exchange, upstream) -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 1000);
            OutputStream out = exchange.getResponseBody();
            out.write("{\"message\":".getBytes(StandardCharsets.UTF_8));
            out.flush();
            upstream.hang(Duration.ofMinutes(2));
        });
        UpstreamClient client =
                UpstreamClient.create(TestProviderContext.of("ollama_cloud", fake.baseUrl(), SHORT), true, Map.of());

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.postJson("/api/chat", Map.of()))
                .isInstanceOf(ChatException.UpstreamTimeout.class);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void getUsesItsOwnShorterLimit() {
        fake.on("GET", "/api/version", FakeUpstream.hanging());
        UpstreamClient client = UpstreamClient.create(
                TestProviderContext.of("ollama", fake.baseUrl(), Duration.ofSeconds(60)), true, Map.of());

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.get("/api/version", SHORT)).isInstanceOf(ChatException.UpstreamTimeout.class);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void refusedConnectionIsAnUpstreamFailure() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        UpstreamClient client = UpstreamClient.create(
                TestProviderContext.of("ollama", URI.create("http://127.0.0.1:" + port), TIMEOUT), true, Map.of());

        assertThatThrownBy(() -> client.postJson("/api/chat", Map.of()))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("cannot reach ollama at http://127.0.0.1:" + port);
    }

    @Test
    void droppedConnectionIsAnUpstreamFailure() {
        fake.on("POST", "/api/chat", FakeUpstream.dropConnection());

        assertThatThrownBy(() -> keyless().postJson("/api/chat", Map.of()))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("ollama_cloud");
    }

    @Test
    void truncatedBodyIsAnUpstreamFailure() {
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.truncated(
                        "{\"message\":{\"role\":\"assistant\",\"content\":\"a long answer that is cut\"},\"done\":true}"));

        assertThatThrownBy(() -> keyless().postJson("/api/chat", Map.of()))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("closed or reset the connection");
    }

    @Test
    void htmlBodyWithStatus200IsAnUpstreamFailureWhenReadAsJson() {
        fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.body(200, "text/html", "<html><body>Welcome to nginx!</body></html>"));

        UpstreamReply reply = keyless().postJson("/api/chat", Map.of());

        assertThatThrownBy(reply::json)
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("not JSON")
                .hasMessageContaining("text/html")
                .hasMessageContaining("Welcome to nginx!");
    }

    @Test
    void keyEchoedInAnErrorReplyIsRedacted() {
        fake.on("POST", "/api/chat", FakeUpstream.json(401, "{\"error\":\"invalid api key '" + CANARY + "'\"}"));

        UpstreamReply reply = keyed().postJson("/api/chat", Map.of());
        ChatException error = UpstreamErrors.fromReply(reply);

        assertThat(fake.lastRequest().header("Authorization")).isEqualTo("Bearer " + CANARY);
        assertThat(error).isInstanceOf(ChatException.UpstreamAuth.class);
        assertThat(error.getMessage()).contains("****").doesNotContain(CANARY).doesNotContain("sk-canary");
    }

    @Test
    void keyEchoedInANonJsonBodyIsRedacted() {
        fake.on("POST", "/api/chat", FakeUpstream.body(200, "text/plain", "debug: token=" + CANARY));

        UpstreamReply reply = keyed().postJson("/api/chat", Map.of());

        assertThatThrownBy(reply::json)
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("token=****")
                .hasMessageNotContaining(CANARY);
    }
}
