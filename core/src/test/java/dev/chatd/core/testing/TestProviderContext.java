package dev.chatd.core.testing;

import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import dev.chatd.core.http.UpstreamClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link ProviderContext} for tests, as the registry would build it: a key, a base URL (a
 * {@link FakeUpstream}'s), deadlines and the production HTTP client.
 */
public record TestProviderContext(String name, URI baseUrl, Optional<Secret> key, Duration timeout,
        Duration streamIdleTimeout, Map<String, String> headers, Map<String, String> settings, HttpClient httpClient)
        implements ProviderContext {

    /** One client for all tests, made the way the server makes it. */
    public static final HttpClient HTTP = UpstreamClient.newSharedClient(Duration.ofSeconds(5));

    public TestProviderContext {
        headers = Map.copyOf(headers);
        settings = Map.copyOf(settings);
    }

    /** A context for {@code name} at {@code baseUrl} with {@code key} (null for none), 5 s deadlines. */
    public static TestProviderContext of(String name, URI baseUrl, String key) {
        return new TestProviderContext(name, baseUrl, Optional.ofNullable(key).map(Secret::of),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of(), Map.of(), HTTP);
    }

    /** A context for streaming tests: the first-byte and idle deadlines given. */
    public static TestProviderContext of(String name, FakeUpstream upstream, Duration timeout, Duration idle,
            HttpClient http) {
        return new TestProviderContext(name, upstream.baseUrl(), Optional.of(Secret.of("sk-test-key")), timeout, idle,
                Map.of(), Map.of(), http);
    }

    public TestProviderContext withHeaders(Map<String, String> headers) {
        return new TestProviderContext(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, httpClient);
    }

    public TestProviderContext withSettings(Map<String, String> settings) {
        return new TestProviderContext(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, httpClient);
    }
}
