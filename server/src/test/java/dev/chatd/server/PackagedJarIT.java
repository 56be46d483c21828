package dev.chatd.server;

import static dev.chatd.server.ChatdProcess.get;
import static dev.chatd.server.ChatdProcess.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged {@code server/target/chatd.jar} as a real process, the way the README
 * starts it, and proves that {@link java.util.ServiceLoader} finds the providers in
 * {@code libs/} and that a request round-trips to a fake upstream.
 */
class PackagedJarIT {

    @TempDir
    Path dir;

    private FakeUpstream ollama;
    private FakeUpstream cloud;
    private ChatdProcess chatd;

    @BeforeEach
    void fakes() {
        ollama = FakeUpstream.start()
                .on("GET", "/api/version", FakeUpstream.json(200, "{\"version\":\"0.5.1\"}"))
                .on("POST", "/api/chat", FakeUpstream.json(200, """
                        {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z",
                         "message":{"role":"assistant","content":"Hello from the fake!"},
                         "done":true,"done_reason":"stop","total_duration":1200000,
                         "prompt_eval_count":26,"eval_count":5}"""));
        cloud = FakeUpstream.start().on("POST", "/api/chat", FakeUpstream.json(200, """
                        {"model":"gpt-oss:120b","message":{"role":"assistant","content":"cloud says hi"},
                         "done":true,"prompt_eval_count":3,"eval_count":2}"""));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (chatd != null) {
            chatd.close();
        }
        ollama.close();
        cloud.close();
    }

    @Test
    void discoversProvidersFromLibsAndRoundTripsAChat() throws Exception {
        int port = start(Map.of());

        assertThat(Files.list(jar().getParent().resolve("libs"))
                        .map(p -> p.getFileName().toString()))
                .anyMatch(name -> name.startsWith("chatd-providers-ollama"));
        HttpResponse<String> providers = get(port, "/chat/providers");
        assertThat(providers.statusCode()).isEqualTo(200);
        assertThat(providers.body()).isEqualTo("{\"providers\":{\"mock\":true,\"ollama\":true}}");

        HttpResponse<String> chat = post(
                port, "/chat", "{\"model\":\"ollama/llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body())
                .contains(
                        "\"content\":\"Hello from the fake!\"",
                        "\"provider\":\"ollama\"",
                        "\"model\":\"ollama/llama3.2\"",
                        "\"finish_reason\":\"stop\"",
                        "\"total_tokens\":31");
        assertThat(ollama.lastRequest().json())
                .containsEntry("model", "llama3.2")
                .containsEntry("stream", false);

        HttpResponse<String> cloudChat = post(
                port,
                "/chat",
                "{\"model\":\"gpt-oss:120b-cloud\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(cloudChat.statusCode()).isEqualTo(404);
        assertThat(cloudChat.body()).contains("provider_not_found", "OLLAMA_API_KEY");
    }

    @Test
    void registersOllamaCloudOnceItsKeyIsSet() throws Exception {
        int port = start(Map.of("OLLAMA_API_KEY", "sk-packaged-canary"));

        assertThat(get(port, "/chat/providers").body())
                .isEqualTo("{\"providers\":{\"mock\":true,\"ollama\":true,\"ollama_cloud\":true}}");
        HttpResponse<String> chat = post(
                port,
                "/chat",
                "{\"model\":\"gpt-oss:120b-cloud\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("\"content\":\"cloud says hi\"", "\"provider\":\"ollama_cloud\"");
        assertThat(cloud.lastRequest().json()).containsEntry("model", "gpt-oss:120b");
        assertThat(cloud.lastRequest().header("Authorization")).isEqualTo("Bearer sk-packaged-canary");
        assertThat(String.join("\n", chatd.output())).doesNotContain("sk-packaged-canary");
    }

    @Test
    void discoversAllSixProvidersFromTheirOwnJars() throws Exception {
        int port = start(Map.of(
                "OLLAMA_API_KEY", "k1", "OPENROUTER_API_KEY", "k2", "OPENCODE_API_KEY", "k3", "KIMI_API_KEY", "k4"));

        assertThat(Files.list(jar().getParent().resolve("libs"))
                        .map(p -> p.getFileName().toString()))
                .anyMatch(name -> name.startsWith("chatd-providers-ollama"))
                .anyMatch(name -> name.startsWith("chatd-providers-openrouter"))
                .anyMatch(name -> name.startsWith("chatd-providers-opencode"))
                .anyMatch(name -> name.startsWith("chatd-providers-kimi"))
                .anyMatch(name -> name.startsWith("chatd-providers-mock"));
        assertThat(get(port, "/chat/providers").body())
                .isEqualTo(
                        "{\"providers\":{\"kimi\":true,\"mock\":true,\"ollama\":true,\"ollama_cloud\":true,\"opencode\":true,\"openrouter\":true}}");
    }

    @Test
    void aProviderDisappearsWhenItsJarIsRemovedFromLibs() throws Exception {
        Path copy = dir.resolve("dist");
        Files.createDirectories(copy.resolve("libs"));
        Files.copy(jar(), copy.resolve("chatd.jar"));
        try (var libs = Files.list(jar().getParent().resolve("libs"))) {
            for (Path lib : libs.toList()) {
                if (!lib.getFileName().toString().startsWith("chatd-providers-kimi")) {
                    Files.copy(lib, copy.resolve("libs").resolve(lib.getFileName()));
                }
            }
        }
        int port = start(copy.resolve("chatd.jar"), Map.of("KIMI_API_KEY", "k4", "OPENROUTER_API_KEY", "k2"));

        assertThat(get(port, "/chat/providers").body())
                .isEqualTo("{\"providers\":{\"mock\":true,\"ollama\":true,\"openrouter\":true}}");
        HttpResponse<String> chat = post(
                port,
                "/chat",
                "{\"model\":\"kimi/kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        // Without its JAR "kimi/" is no prefix: the whole name goes to the default provider.
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("\"provider\":\"ollama\"");
        assertThat(ollama.lastRequest().json()).containsEntry("model", "kimi/kimi-for-coding");
    }

    @Test
    void theQuickStartsFirstRequestIsAnsweredWithNothingInstalled() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        chatd = ChatdProcess.start(jar(), dir, """
                server:
                  host: 127.0.0.1
                  port: 0
                chatd:
                  providers:
                    ollama:
                      base-url: http://127.0.0.1:%d
                """.formatted(closedPort), Map.of());

        HttpResponse<String> echo = post(
                chatd.port(),
                "/chat",
                "{\"model\":\"mock/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");
        assertThat(echo.statusCode()).as(echo.body()).isEqualTo(200);
        assertThat(echo.body()).contains("\"content\":\"Say hi\"", "\"provider\":\"mock\"");
        HttpResponse<String> ollama = post(
                chatd.port(),
                "/chat",
                "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");
        assertThat(ollama.statusCode()).as("no Ollama listens").isEqualTo(502);
    }

    private int start(Map<String, String> env) throws Exception {
        return start(jar(), env);
    }

    private int start(Path jar, Map<String, String> env) throws Exception {
        chatd = ChatdProcess.start(
                jar, dir, """
                server:
                  host: 127.0.0.1
                  port: 0
                chatd:
                  providers:
                    ollama:
                      base-url: %s
                    ollama_cloud:
                      base-url: %s
                      key-file: %s
                    openrouter:
                      key-file: ""
                    opencode:
                      key-file: ""
                """.formatted(ollama.baseUrl(), cloud.baseUrl(), dir.resolve("no-such.env")), env);
        return chatd.port();
    }

    private static Path jar() {
        return ChatdProcess.jar();
    }
}
