package dev.chatd.api.spi;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a provider uses when the configuration says nothing else.
 *
 * @param baseUrl the upstream's base URL
 * @param keyEnv the canonical environment variable holding the key, or null for a provider
 *     that needs no key
 * @param keyFile the {@code .env}-style file read when the variable is unset, or null
 */
public record ProviderDefaults(URI baseUrl, String keyEnv, Path keyFile) {

    public ProviderDefaults {
        Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /** Defaults for a provider that needs no key, such as a local Ollama. */
    public static ProviderDefaults keyless(String baseUrl) {
        return new ProviderDefaults(URI.create(baseUrl), null, null);
    }

    /** Defaults for a provider that needs a key from {@code keyEnv} or {@code keyFile}. */
    public static ProviderDefaults keyed(String baseUrl, String keyEnv, String keyFile) {
        return new ProviderDefaults(
                URI.create(baseUrl),
                Objects.requireNonNull(keyEnv, "keyEnv"),
                keyFile == null ? null : Path.of(keyFile));
    }

    public boolean needsKey() {
        return keyEnv != null;
    }
}
