package dev.chatd.server;

import static dev.chatd.server.ChatdProcess.get;
import static dev.chatd.server.ChatdProcess.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged chatd as a real process with the example plugin ({@code examples/openai-compatible})
 * in its plugins directory, not on its class path: two providers declared in YAML with
 * {@code type: openai-compatible} route to their own upstreams, and a broken plugin beside it is
 * skipped with a log line naming it.
 */
class PluginsIT {
    private static final String GROQ_KEY = "gsk-plugin-canary";

    @TempDir
    Path dir;

    private FakeUpstream groq;
    private FakeUpstream vllm;
    private ChatdProcess chatd;

    @BeforeEach
    void fakes() {
        groq = FakeUpstream.start()
                .on(
                        "POST",
                        "/openai/v1/chat/completions",
                        FakeUpstream.json(200, completion("llama-3.3-70b", "groq says hi")));
        vllm = FakeUpstream.start()
                .on(
                        "POST",
                        "/v1/chat/completions",
                        FakeUpstream.sse()
                                .events(
                                        chunk("qwen", "{\"content\":\"vllm \"}", null),
                                        chunk("qwen", "{\"content\":\"streams\"}", null),
                                        chunk("qwen", "{}", "\"stop\""))
                                .done());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (chatd != null) {
            chatd.close();
        }
        groq.close();
        vllm.close();
    }

    @Test
    void theShippedPluginServesProvidersDeclaredInYaml() throws Exception {
        Path shipped = ChatdProcess.jar().getParent().resolve("plugins").resolve("openai-compatible.jar");
        assertThat(shipped)
                .as("the build copies the example plugin beside chatd.jar")
                .exists();
        assertThat(Files.list(ChatdProcess.jar().getParent().resolve("libs"))
                        .map(p -> p.getFileName().toString()))
                .as("the plugin is not on the class path")
                .noneMatch(name -> name.contains("openai-compatible"));

        int port = start(null);

        assertThat(get(port, "/chat/providers").body())
                .contains("\"groq\":true", "\"vllm\":true")
                .doesNotContain("openai-compatible");

        HttpResponse<String> chat = post(
                port,
                "/v1/chat/completions",
                "{\"model\":\"groq/llama-3.3-70b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("groq says hi");
        FakeUpstream.Recorded sent = groq.lastRequest();
        assertThat(sent.path()).isEqualTo("/openai/v1/chat/completions");
        assertThat(sent.json()).containsEntry("model", "llama-3.3-70b").containsEntry("stream", false);
        assertThat(sent.header("Authorization")).isEqualTo("Bearer " + GROQ_KEY);

        HttpResponse<String> streamed = post(
                port,
                "/v1/chat/completions",
                "{\"model\":\"vllm/qwen\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).contains("vllm ", "streams", "[DONE]");
        sent = vllm.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.json()).containsEntry("model", "qwen").containsEntry("stream", true);
        assertThat(sent.header("Authorization"))
                .as("vllm is declared without a key")
                .isNull();
        assertThat(String.join("\n", chatd.output())).doesNotContain(GROQ_KEY);
    }

    @Test
    void aBrokenPluginIsSkippedWithALogLineNamingItAndChatdStillStarts() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.copy(
                ChatdProcess.jar().getParent().resolve("plugins").resolve("openai-compatible.jar"),
                plugins.resolve("openai-compatible.jar"));
        brokenJar(plugins.resolve("broken.jar"));

        int port = start(plugins);

        assertThat(chatd.output())
                .anyMatch(line -> line.contains("plugin broken.jar") && line.contains("failed to load"));
        HttpResponse<String> chat = post(
                port,
                "/v1/chat/completions",
                "{\"model\":\"groq/llama-3.3-70b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("groq says hi");
    }

    @Test
    void anUnknownTypeStopsStartUpWithOneClearLine() throws Exception {
        Path config = dir.resolve("chatd.yaml");
        Files.writeString(config, """
                server: { host: 127.0.0.1, port: 0 }
                chatd:
                  providers:
                    groq: { type: openai-compatibel, base-url: http://127.0.0.1:9/v1 }
                """);
        ChatdProcess failing = ChatdProcess.jar(dir, List.of(), Map.of(), "--config", config.toString());
        try {
            assertThat(failing.exitCode()).isEqualTo(1);
            assertThat(failing.output())
                    .anyMatch(line -> line.contains("chatd.providers.groq.type is 'openai-compatibel'")
                            && line.contains("openai-compatible"));
        } finally {
            failing.close();
        }
    }

    private int start(Path pluginsDir) throws Exception {
        chatd = ChatdProcess.start(
                ChatdProcess.jar(),
                dir,
                """
                server:
                  host: 127.0.0.1
                  port: 0
                chatd:
                  %s
                  providers:
                    groq:  { type: openai-compatible, base-url: %s/openai/v1, key-env: GROQ_API_KEY }
                    vllm:  { type: openai-compatible, base-url: %s/v1 }
                """.formatted(pluginsDir == null ? "" : "plugins-dir: " + pluginsDir, groq.baseUrl(), vllm.baseUrl()),
                Map.of("GROQ_API_KEY", GROQ_KEY));
        return chatd.port();
    }

    /** A plugin whose service file names a class it does not hold. */
    private static void brokenJar(Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file)) {
            out.putNextEntry(new JarEntry("META-INF/services/dev.chatd.api.spi.ChatProviderFactory"));
            out.write("com.example.missing.GoneFactory\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    private static String completion(String model, String text) {
        return """
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"%s",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}
                """.formatted(model, text);
    }

    private static String chunk(String model, String delta, String finish) {
        return "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}";
    }
}
