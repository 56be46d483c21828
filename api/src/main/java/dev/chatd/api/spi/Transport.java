package dev.chatd.api.spi;

import dev.chatd.api.ChatException;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The host's way out to upstreams, as a provider sees it: one pooled HTTP/1.1 client shared by
 * every provider, with the host's limits built in (the largest reply, the longest stream line,
 * connections per host). Providers get it from {@link ProviderContext#transport()} and never
 * build an HTTP client of their own. Implementations are thread-safe.
 *
 * <p>Failures of the exchange itself are thrown as {@link ChatException}s that name the
 * provider and the upstream's host: {@link ChatException.UpstreamTimeout} past a deadline,
 * {@link ChatException.UpstreamFailure} for a refused or broken connection, an unknown host or a
 * reply over the host's size limits. An HTTP error status is not a failure here: it comes back
 * as a reply for the provider to map.
 *
 * @since 0.2
 */
public interface Transport {

    /**
     * One upstream call.
     *
     * @param provider the calling provider's name, for error messages
     * @param method {@code GET} or {@code POST}
     * @param uri the full upstream URI
     * @param headers the request's headers, in order (the key among them; never logged)
     * @param body the request body, empty for none
     * @param deadline for {@link #exchange}, the whole call: connect, TLS handshake, headers and
     *     the entire body; for {@link #open}, everything up to the body's first byte
     */
    record Call(
            String provider,
            String method,
            URI uri,
            List<Map.Entry<String, String>> headers,
            byte[] body,
            Duration deadline) {
        public Call {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            headers = List.copyOf(headers);
            body = body == null ? new byte[0] : body;
            Objects.requireNonNull(deadline, "deadline");
        }
    }

    /**
     * A whole reply.
     *
     * @param headers the reply's headers by name, case-insensitively (the first of repeated ones)
     */
    record Reply(int status, Map<String, String> headers, byte[] body) {
        public Reply {
            // Header names are case-insensitive; Map.copyOf would make lookups case-sensitive.
            TreeMap<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach(byName::putIfAbsent);
            headers = Collections.unmodifiableMap(byName);
            body = body == null ? new byte[0] : body;
        }
    }

    /** A reply whose body is read line by line as it arrives. Closing it cancels the call. */
    interface Lines extends AutoCloseable {

        int status();

        /** The reply's headers by name, case-insensitively. */
        Map<String, String> headers();

        /**
         * The next line without its line break, or null at the end of the body.
         *
         * @throws ChatException.UpstreamTimeout when the upstream falls silent too long
         * @throws ChatException.UpstreamFailure when the connection breaks or a line is longer
         *     than the host allows
         */
        String nextLine();

        /** Waits at most {@code idle} for each later piece (after a stream's end marker, say). */
        void idleTimeout(Duration idle);

        /** Cancels the call and closes its connection, unless the body already ended. */
        @Override
        void close();
    }

    /** Sends the call and waits, within its deadline, for the whole reply. */
    Reply exchange(Call call);

    /**
     * Sends the call and returns once the status and headers have arrived, within the call's
     * deadline; the first body byte must come within that deadline too, and every later one
     * within {@code idleTimeout} of the one before.
     */
    Lines open(Call call, Duration idleTimeout);
}
