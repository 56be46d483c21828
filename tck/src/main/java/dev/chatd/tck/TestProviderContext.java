package dev.chatd.tck;

import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link ProviderContext} for tests, as the registry would build it: a key (or none), a base
 * URL (a {@link FakeUpstream}'s), deadlines, and optionally a host service of the test's own,
 * such as an upstream transport (else providers built on the kit use its fallback transport).
 * The TCK has no transport of its own: a provider brings its transport library with it, and a
 * test that wants to inject one passes it to {@link #withTransport(Object)}.
 *
 * @param transport the one host service this context offers through {@link #service(Class)},
 *     or null for none
 */
public record TestProviderContext(String name, URI baseUrl, Optional<Secret> key, Duration timeout,
        Duration streamIdleTimeout, Map<String, String> headers, Map<String, String> settings,
        Object transport) implements ProviderContext {

    public TestProviderContext {
        headers = Map.copyOf(headers);
        settings = Map.copyOf(settings);
    }

    public TestProviderContext(String name, URI baseUrl, Optional<Secret> key, Duration timeout,
            Duration streamIdleTimeout, Map<String, String> headers, Map<String, String> settings) {
        this(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, null);
    }

    @Override
    public <S> Optional<S> service(Class<S> type) {
        return type.isInstance(transport) ? Optional.of(type.cast(transport)) : Optional.empty();
    }

    /** The same context, with calls going through {@code transport}. */
    public TestProviderContext withTransport(Object transport) {
        return new TestProviderContext(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, transport);
    }

    /** A context for {@code name} at {@code baseUrl} with {@code key} (null for none), 5 s deadlines. */
    public static TestProviderContext of(String name, URI baseUrl, String key) {
        return new TestProviderContext(name, baseUrl, Optional.ofNullable(key).map(Secret::of),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of(), Map.of());
    }

    /** A keyless context for {@code name} at {@code baseUrl} with the deadline given. */
    public static TestProviderContext of(String name, URI baseUrl, Duration timeout) {
        return new TestProviderContext(name, baseUrl, Optional.empty(), timeout, timeout, Map.of(), Map.of());
    }

    /** A context for streaming tests: the first-byte and idle deadlines given. */
    public static TestProviderContext of(String name, FakeUpstream upstream, Duration timeout, Duration idle) {
        return new TestProviderContext(name, upstream.baseUrl(), Optional.of(Secret.of("sk-test-key")), timeout, idle,
                Map.of(), Map.of());
    }

    public TestProviderContext withKey(String key) {
        return new TestProviderContext(name, baseUrl, Optional.of(Secret.of(key)), timeout, streamIdleTimeout, headers,
                settings, transport);
    }

    public TestProviderContext withHeaders(Map<String, String> headers) {
        return new TestProviderContext(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, transport);
    }

    public TestProviderContext withSettings(Map<String, String> settings) {
        return new TestProviderContext(name, baseUrl, key, timeout, streamIdleTimeout, headers, settings, transport);
    }
}
