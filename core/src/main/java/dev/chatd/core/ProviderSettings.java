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
 * @param type the factory that makes this provider ({@code type: openai-compatible}), for a
 *     provider declared in the configuration under a name of its own; null for the factory of
 *     the node's name
 */
public record ProviderSettings(
        boolean enabled,
        URI baseUrl,
        String keyEnv,
        Path keyFile,
        Duration timeout,
        Duration streamIdleTimeout,
        Map<String, String> headers,
        Map<String, String> settings,
        String type) {

    public static final ProviderSettings DEFAULTS =
            new ProviderSettings(true, null, null, null, null, null, Map.of(), Map.of());

    /** A node of the factory of its own name (no {@code type}). */
    public ProviderSettings(
            boolean enabled,
            URI baseUrl,
            String keyEnv,
            Path keyFile,
            Duration timeout,
            Duration streamIdleTimeout,
            Map<String, String> headers,
            Map<String, String> settings) {
        this(enabled, baseUrl, keyEnv, keyFile, timeout, streamIdleTimeout, headers, settings, null);
    }

    public ProviderSettings {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }
}
