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
     * The host's way out to upstreams, shared by every provider and closed by the host when it
     * stops; providers never build an HTTP client of their own.
     *
     * <p>The default throws: a context made by something other than a host (a unit test of a
     * provider's own parsing, say) has no transport, and a provider that needs one should fail
     * loudly at creation rather than on its first call. An empty {@code Optional} would only move
     * that failure further from its cause.
     *
     * @throws UnsupportedOperationException when the host offers no transport
     * @since 0.2
     */
    default Transport transport() {
        throw new UnsupportedOperationException(
                "the host that made the context for '" + name() + "' offers no upstream transport");
    }
}
