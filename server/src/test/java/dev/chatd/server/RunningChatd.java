package dev.chatd.server;

import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderDiscovery;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * chatd started in-process on a free loopback port with fake keys for every keyed provider, the
 * way {@code Main} starts it, and a client to call it. Close it to stop the server.
 */
final class RunningChatd implements AutoCloseable {
    static final Map<String, String> KEYS = Map.of(
            "OLLAMA_API_KEY", "ollama-test-key",
            "OPENROUTER_API_KEY", "sk-or-test-key",
            "OPENCODE_API_KEY", "opencode-test-key",
            "KIMI_API_KEY", "sk-kimi-test-key");

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final ChatdServer server;

    private RunningChatd(ChatdServer server) {
        this.server = server;
    }

    /** Starts chatd with {@code settings} (dotted keys, e.g. {@code chatd.providers.kimi.base-url}). */
    static RunningChatd start(Map<String, String> settings) {
        Map<String, String> map = new HashMap<>(settings);
        map.put("server.port", "0");
        map.put("server.host", "127.0.0.1");
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(map))
                .build();
        KeyResolver keys = new KeyResolver(KEYS::get);
        return new RunningChatd(ChatdServer.start(
                ChatdConfig.from(config, keys), ProviderDiscovery.discover(RunningChatd.class.getClassLoader()), keys));
    }

    int port() {
        return server.port();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    HttpRequest chatRequest(String json) {
        return request("/chat", json);
    }

    HttpRequest request(String path, String json) {
        return HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    /** Posts a chat request and reads the whole reply. */
    HttpResponse<String> post(String json) throws IOException, InterruptedException {
        return HTTP.send(chatRequest(json), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts a JSON body to {@code path} and reads the whole reply. */
    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(request(path, json), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts a {@code "stream": true} chat request and returns the reply to read event by event. */
    SseReader stream(String json) throws IOException, InterruptedException {
        return new SseReader(HTTP.send(chatRequest(json), HttpResponse.BodyHandlers.ofLines()));
    }

    /** {@code {"model": model, "stream": true, "messages": [{"role":"user","content":"Hi"}]}}. */
    static String streamRequest(String model) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    @Override
    public void close() {
        server.close();
    }
}
