package dev.chatd.core.transport;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.Transport;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * Who one call goes to, and the {@link ChatException}s its failures become: each names the
 * provider and the upstream's scheme, host and port (never the path or the key), and says which
 * setting to look at.
 *
 * @param deadline the call's deadline, which a socket timeout mid-stream is reported against
 */
record CallTarget(String provider, ConnectionPool.Host host, String where, Duration deadline) {

    /** A URI's host and how errors name it, worked out once per URI: callers reuse theirs. */
    private record Endpoint(ConnectionPool.Host host, String where) {
        static Endpoint of(URI uri) {
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            return new Endpoint(
                    new ConnectionPool.Host(scheme, uri.getHost(), port),
                    uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : ""));
        }
    }

    /** Bounded: a caller that makes a new URI per call only ever refills it. */
    private static final int MAX_ENDPOINTS = 256;

    /** By the URI's text (which a URI keeps), not URI.equals, which ignores the case of the scheme and host. */
    private static final Map<String, Endpoint> ENDPOINTS = new ConcurrentHashMap<>();

    static CallTarget of(Transport.Call call) {
        URI uri = call.uri();
        Endpoint endpoint = ENDPOINTS.get(uri.toString());
        if (endpoint == null) {
            endpoint = Endpoint.of(uri);
            if (ENDPOINTS.size() >= MAX_ENDPOINTS) {
                ENDPOINTS.clear();
            }
            ENDPOINTS.put(uri.toString(), endpoint);
        }
        return new CallTarget(call.provider(), endpoint.host(), endpoint.where(), call.deadline());
    }

    ChatException.UpstreamFailure replyTooLarge(long max) {
        return new ChatException.UpstreamFailure(provider + " sent a reply larger than " + max
                + " bytes, chatd.max-reply-bytes; raise that limit if replies this large are expected");
    }

    ChatException.UpstreamFailure lineTooLong(int max) {
        return new ChatException.UpstreamFailure(provider + " sent a line longer than " + max
                + " bytes, chatd.max-stream-line-bytes; not a chat stream, or raise that limit");
    }

    ChatException timedOut(Duration limit) {
        return new ChatException.UpstreamTimeout(
                provider + " did not answer within " + seconds(limit)
                        + "; raise chatd.timeout-secs or the provider's timeout-secs if the model is slow",
                limit);
    }

    /** Maps a failure of the exchange itself (no HTTP status) to the caller's error. */
    ChatException transportFailure(Throwable failure, Duration limit) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ChatException chat) {
                return chat;
            }
            if (cause instanceof SocketTimeoutException) {
                return cause.getMessage() != null
                                && cause.getMessage().toLowerCase(Locale.ROOT).contains("connect")
                        ? new ChatException.UpstreamTimeout(
                                "could not connect to " + provider + " at " + where + " within "
                                        + seconds(HelidonTransport.CONNECT_TIMEOUT),
                                limit)
                        : timedOut(limit);
            }
            if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return new ChatException.UpstreamFailure(
                        "cannot reach " + provider + " at " + where + ": the host name '" + host.host()
                                + "' could not be resolved; check its base-url and chatd's DNS",
                        failure);
            }
            if (cause instanceof ConnectException) {
                return new ChatException.UpstreamFailure(
                        "cannot reach " + provider + " at " + where
                                + " (connection refused); check that it runs and its base-url",
                        failure);
            }
            if (cause instanceof NoRouteToHostException) {
                return new ChatException.UpstreamFailure(
                        "cannot reach " + provider + " at " + where
                                + " (no route to host); check its base-url and the network",
                        failure);
            }
            if (cause instanceof SSLException) {
                return new ChatException.UpstreamFailure(
                        "the TLS handshake with " + provider + " at " + where
                                + " failed; check its base-url (https or http?) and its certificate",
                        failure);
            }
            if (malformedHttp(cause)) {
                return new ChatException.UpstreamFailure(
                        provider + " at " + where
                                + " answered with a status line or headers that are not valid HTTP/1.1",
                        failure);
            }
        }
        return new ChatException.UpstreamFailure(
                provider + " at " + where + " closed or reset the connection before answering", failure);
    }

    /** Helidon's HTTP/1.1 parser refusing what arrived (a bad status line, a header with control characters, too many headers). */
    private static boolean malformedHttp(Throwable cause) {
        StackTraceElement[] frames = cause.getStackTrace();
        return (cause instanceof IllegalArgumentException || cause instanceof IllegalStateException)
                && frames.length > 0
                && frames[0].getClassName().startsWith("io.helidon.");
    }

    /** Maps a failure while a streamed body was arriving. */
    ChatException streamFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ChatException chat) {
                return chat;
            }
            if (cause instanceof SocketTimeoutException) {
                return timedOut(deadline);
            }
        }
        return new ChatException.UpstreamFailure(
                provider + " at " + where + " closed the connection before the answer was complete", failure);
    }

    private static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
