package dev.chatd.server;

import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderDiscovery;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * chatd in-process on a free loopback port, in front of a {@link FakeUpstream} that plays both
 * Ollama providers, with a map for an environment (tests never read the real one). Closing it
 * stops chatd and the fake.
 */
final class TestServer implements AutoCloseable {
    /** What an Ollama server answers to a non-streaming {@code /api/chat}, field for field. */
    static final String OLLAMA_REPLY = """
            {"model":"llama3.2","created_at":"2024-07-22T20:33:28.123648Z",\
            "message":{"role":"assistant","content":"Hello! How can I help?"},\
            "done":true,"done_reason":"stop","total_duration":5191566416,"load_duration":2154458,\
            "prompt_eval_count":26,"prompt_eval_duration":383809000,"eval_count":298,"eval_duration":4799921000}""";

    static final String HELLO = """
            {"model":"ollama/llama3.2","messages":[{"role":"user","content":"Hi"}]}""";

    final FakeUpstream fake;
    final ChatdServer chatd;
    private final HttpClient client;

    private TestServer(FakeUpstream fake, ChatdServer chatd) {
        this.fake = fake;
        this.chatd = chatd;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    static Builder builder() {
        return new Builder();
    }

    /** chatd with defaults: both Ollama providers pointed at the fake, no keys, no auth. */
    static TestServer start() {
        return builder().start();
    }

    static final class Builder {
        private final Map<String, String> config = new LinkedHashMap<>();
        private final Map<String, String> env = new HashMap<>();
        private final List<ChatProviderFactory> extraFactories = new ArrayList<>();
        private final List<Ingress> extraIngresses = new ArrayList<>();

        private Builder() {
            config.put("server.port", "0");
            config.put("server.host", "127.0.0.1");
            // No real key file: the machine's /etc/chatd must not change a test's outcome.
            config.put("chatd.providers.ollama_cloud.key-file", "");
        }

        Builder config(String key, String value) {
            config.put(key, value);
            return this;
        }

        Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        Builder factory(ChatProviderFactory factory) {
            extraFactories.add(factory);
            return this;
        }

        /** Mounts a client API beside the standard ones. */
        Builder ingress(Ingress ingress) {
            extraIngresses.add(ingress);
            return this;
        }

        TestServer start() {
            FakeUpstream fake = FakeUpstream.start();
            try {
                Map<String, String> values = new LinkedHashMap<>();
                values.put("chatd.providers.ollama.base-url", fake.baseUrl().toString());
                values.put(
                        "chatd.providers.ollama_cloud.base-url", fake.baseUrl().toString());
                values.putAll(config);
                KeyResolver keys = new KeyResolver(env::get);
                List<ChatProviderFactory> factories =
                        new ArrayList<>(ProviderDiscovery.discover(TestServer.class.getClassLoader()));
                factories.addAll(extraFactories);
                ChatdServer chatd = ChatdServer.start(
                        ChatdConfig.from(TestServer.config(values), keys), factories, keys, extraIngresses);
                return new TestServer(fake, chatd);
            } catch (RuntimeException | Error e) {
                fake.close();
                throw e;
            }
        }
    }

    /** A Config made of the map alone: no environment variables, no system properties. */
    static Config config(Map<String, String> values) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(values))
                .build();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + chatd.port() + path);
    }

    /** POSTs a JSON body (with its Content-Length); {@code headers} are name, value pairs. */
    Reply post(String path, String json, String... headers) {
        return send(request(path, headers)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Reply get(String path, String... headers) {
        return send(request(path, headers).GET());
    }

    HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(15));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder;
    }

    Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response =
                    client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new AssertionError("chatd did not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        try {
            client.close();
            chatd.close();
        } finally {
            fake.close();
        }
    }

    /** One answer from chatd. */
    record Reply(int status, HttpHeaders headers, String body) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            try {
                return (Map<String, Object>) JsonCodec.parse(body);
            } catch (RuntimeException e) {
                throw new AssertionError("not a JSON object (HTTP " + status + "): " + body, e);
            }
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> error() {
            Object error = json().get("error");
            if (!(error instanceof Map<?, ?>)) {
                throw new AssertionError("no error object in (HTTP " + status + "): " + body);
            }
            return (Map<String, Object>) error;
        }

        String errorType() {
            return (String) error().get("type");
        }

        String errorMessage() {
            return (String) error().get("message");
        }

        @Override
        public String toString() {
            return "HTTP " + status + " " + headers.map() + " " + body;
        }
    }
}
