package dev.chatd.tck;

import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import dev.chatd.core.transport.HelidonTransport;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link ProviderContext} for tests, as the registry would build it: a key (or none), a base
 * URL (a {@link FakeUpstream}'s), deadlines, and the host's own upstream transport (chatd's
 * Helidon transport: the test's own, else one shared with default settings), so a provider is
 * tested over the transport it runs on in chatd.
 */
public record TestProviderContext(
        String name,
        URI baseUrl,
        Optional<Secret> key,
        Duration timeout,
        Duration streamIdleTimeout,
        Map<String, String> headers,
        Map<String, String> settings,
        HelidonTransport transport)
        implements ProviderContext {

    public TestProviderContext {
        headers = Map.copyOf(headers);
        settings = Map.copyOf(settings);
    }

    public TestProviderContext(
            String name,
            URI baseUrl,
            Optional<Secret> key,
            Duration timeout,
            Duration streamIdleTimeout,
            Map<String, String> headers,
            Map<String, String> settings) {
        this(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, null);
    }

    /** The test's own transport, else one shared with default settings: a real one either way. */
    @Override
    public HelidonTransport transport() {
        return transport == null ? HelidonTransport.fallback() : transport;
    }

    /** The same context, with calls going through {@code transport}. */
    public TestProviderContext withTransport(HelidonTransport transport) {
        return new TestProviderContext(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, transport);
    }

    /** A context for {@code name} at {@code baseUrl} with {@code key} (null for none), 5 s deadlines. */
    public static TestProviderContext of(String name, URI baseUrl, String key) {
        return new TestProviderContext(
                name,
                baseUrl,
                Optional.ofNullable(key).map(Secret::of),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                Map.of(),
                Map.of());
    }

    /** A keyless context for {@code name} at {@code baseUrl} with the deadline given. */
    public static TestProviderContext of(String name, URI baseUrl, Duration timeout) {
        return new TestProviderContext(name, baseUrl, Optional.empty(), timeout, timeout, Map.of(), Map.of());
    }

    /** A context for streaming tests: the first-byte and idle deadlines given. */
    public static TestProviderContext of(String name, FakeUpstream upstream, Duration timeout, Duration idle) {
        return new TestProviderContext(
                name, upstream.baseUrl(), Optional.of(Secret.of("sk-test-key")), timeout, idle, Map.of(), Map.of());
    }

    public TestProviderContext withKey(String key) {
        return new TestProviderContext(
                name, baseUrl, Optional.of(Secret.of(key)), timeout, streamIdleTimeout, headers, settings, transport);
    }

    public TestProviderContext withHeaders(Map<String, String> headers) {
        return new TestProviderContext(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, transport);
    }

    public TestProviderContext withSettings(Map<String, String> settings) {
        return new TestProviderContext(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, transport);
    }
}
