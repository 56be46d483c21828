package dev.chatd.core;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One provider's node of the configuration ({@code chatd.providers.<name>}), read once at
 * start-up. Null means "not set": the factory's default or the global value applies.
 *
 * @param keyFile the configured key file; an empty path means "no file", overriding the default
 * @param settings the whole node flattened to dotted keys, for the provider's own options
 */
public record ProviderSettings(
        boolean enabled,
        URI baseUrl,
        String keyEnv,
        Path keyFile,
        Duration timeout,
        Duration streamIdleTimeout,
        Map<String, String> headers,
        Map<String, String> settings) {

    public static final ProviderSettings DEFAULTS =
            new ProviderSettings(true, null, null, null, null, null, Map.of(), Map.of());

    public ProviderSettings {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }
}
