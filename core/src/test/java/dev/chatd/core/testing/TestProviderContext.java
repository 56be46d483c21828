package dev.chatd.core.testing;

import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A {@link ProviderContext} pointed at a fake upstream, for tests that drive core's HTTP plumbing directly. */
public record TestProviderContext(String name, URI baseUrl, Optional<Secret> key, Duration timeout,
        Duration streamIdleTimeout, Map<String, String> headers, Map<String, String> settings, HttpClient httpClient)
        implements ProviderContext {

    public static TestProviderContext of(String name, FakeUpstream upstream, Duration timeout, Duration idle,
            HttpClient http) {
        return new TestProviderContext(name, upstream.baseUrl(), Optional.of(Secret.of("sk-test-key")), timeout, idle,
                Map.of(), Map.of(), http);
    }
}
