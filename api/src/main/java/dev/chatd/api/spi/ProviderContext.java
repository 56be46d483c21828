package dev.chatd.api.spi;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What the host gives a provider when it is created. Everything here is resolved once at
 * start-up; providers never read environment variables, files or configuration themselves.
 */
public interface ProviderContext {

    /** The provider's name, which is also its model prefix. */
    String name();

    /** The upstream base URL: the configured one, else the factory's default. */
    URI baseUrl();

    /** The resolved key; empty for a keyless provider. */
    Optional<Secret> key();

    /** How long one upstream call may take before it fails as a timeout. */
    Duration timeout();

    /**
     * How long a streamed answer may fall silent between two chunks before it fails as a
     * timeout. {@link #timeout()} bounds the wait for the first one.
     */
    default Duration streamIdleTimeout() {
        return Duration.ofSeconds(60);
    }

    /** Extra headers to send upstream with every request, from the provider's config node. */
    Map<String, String> headers();

    /**
     * The provider's own config node, flattened to dotted keys ({@code referer},
     * {@code limits.rpm}), read-only. Keys the host itself interprets are included.
     */
    Map<String, String> settings();

    /**
     * A service the host offers its providers, by type: chatd's host offers its upstream
     * transport ({@code dev.chatd.core.http.UpstreamTransport}), made once from its
     * configuration and shared by every provider. Empty when the host offers none of that type.
     */
    default <S> Optional<S> service(Class<S> type) {
        return Optional.empty();
    }
}
