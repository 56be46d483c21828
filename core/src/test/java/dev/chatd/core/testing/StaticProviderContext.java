package dev.chatd.core.testing;

import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A {@link ProviderContext} with fixed values, for creating providers and clients in tests. */
public record StaticProviderContext(String name, URI baseUrl, Optional<Secret> key, Duration timeout,
        Map<String, String> headers, Map<String, String> settings, HttpClient httpClient)
        implements ProviderContext {

    /** A keyless context for {@code baseUrl}. */
    public static StaticProviderContext of(String name, URI baseUrl, Duration timeout, HttpClient http) {
        return new StaticProviderContext(name, baseUrl, Optional.empty(), timeout, Map.of(), Map.of(), http);
    }

    public StaticProviderContext withKey(String key) {
        return new StaticProviderContext(name, baseUrl, Optional.of(Secret.of(key)), timeout, headers, settings, httpClient);
    }

    public StaticProviderContext withHeaders(Map<String, String> extraHeaders) {
        return new StaticProviderContext(name, baseUrl, key, timeout, extraHeaders, settings, httpClient);
    }
}
