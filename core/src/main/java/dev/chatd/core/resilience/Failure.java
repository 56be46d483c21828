package dev.chatd.core.resilience;

import dev.chatd.api.ChatException;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * What chatd does about one failed call, decided from its {@link ChatException}.
 *
 * @param kind what to do
 * @param reason a short, stable name for events and logs: {@code http_503}, {@code connection}, ...
 * @param retryAfter for a 429, the wait the upstream asked for; empty otherwise or when it gave none
 */
record Failure(Kind kind, String reason, Optional<Duration> retryAfter) {

    /** The courses a failed call can take. */
    enum Kind {
        /** The caller's request is at fault (400, 401/403, 404, 413): end the request with it. */
        CALLER,
        /** Worth calling again after a backoff: connection refused or reset, 502/503/504/529, a timeout. */
        RETRY,
        /** A 429: call again only after its Retry-After, if that fits in the deadline. */
        RATE_LIMITED,
        /** The upstream failed in a way another call will not fix (500, nonsense): move on. */
        FAIL,
        /** The provider cannot be called now (unregistered, disabled, circuit open): move on at once. */
        SKIP
    }

    /**
     * Whether this failure says the provider is failing, for its circuit: a 5xx, a timeout, a
     * lost connection. Not a caller's fault, a 429, nor a reply chatd refused for its own limits
     * (too large, nonsense), which another request may not meet.
     */
    boolean countsAgainstProvider() {
        return kind == Kind.RETRY || (kind == Kind.FAIL && reason.startsWith("http_5"));
    }

    static Failure of(ChatException e) {
        return switch (e) {
            case ChatException.InvalidRequest x -> new Failure(Kind.CALLER, "invalid_request", Optional.empty());
            case ChatException.UpstreamBadRequest x -> new Failure(Kind.CALLER, "bad_request", Optional.empty());
            case ChatException.ModelNotFound x -> new Failure(Kind.CALLER, "model_not_found", Optional.empty());
            case ChatException.UpstreamAuth x -> new Failure(Kind.CALLER, "upstream_auth", Optional.empty());
            case ChatException.ProviderNotFound x -> new Failure(Kind.SKIP, "provider_not_found", Optional.empty());
            case ChatException.ProviderDisabled x -> new Failure(Kind.SKIP, "provider_disabled", Optional.empty());
            case ChatException.ProviderUnavailable x -> new Failure(Kind.SKIP, "circuit_open", Optional.empty());
            case ChatException.RateLimited x ->
                new Failure(Kind.RATE_LIMITED, "rate_limited", x.retryAfter().flatMap(Failure::delay));
            case ChatException.UpstreamTimeout x -> new Failure(Kind.RETRY, "timeout", Optional.empty());
            case ChatException.UpstreamFailure x -> ofUpstream(x);
        };
    }

    private static Failure ofUpstream(ChatException.UpstreamFailure e) {
        if (e.upstreamStatus().isPresent()) {
            int status = e.upstreamStatus().getAsInt();
            Kind kind = status == 502 || status == 503 || status == 504 || status == 529 ? Kind.RETRY : Kind.FAIL;
            return new Failure(kind, "http_" + status, Optional.empty());
        }
        return connectionFailed(e)
                ? new Failure(Kind.RETRY, "connection", Optional.empty())
                : new Failure(Kind.FAIL, "upstream_error", Optional.empty());
    }

    /**
     * Whether the transport failed to reach the upstream or lost the connection before a reply
     * (refused, reset, closed): its cause is an I/O failure, but not one that calling again
     * cannot fix (an unknown host name, a failed TLS handshake). Failures of chatd's own making
     * (a shutdown, a full reply budget) and of the reply's content have no cause.
     */
    private static boolean connectionFailed(ChatException.UpstreamFailure e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException || cause instanceof UnknownHostException) {
                return false;
            }
            if (cause instanceof IOException
                    || cause instanceof UncheckedIOException
                    // Helidon's reader found the connection closed before the reply was complete.
                    || cause.getClass().getName().endsWith("InsufficientDataAvailableException")) {
                return true;
            }
        }
        return e.getCause() instanceof EOFException;
    }

    /** A {@code Retry-After} value (delta-seconds or an HTTP date) as a wait from now. */
    static Optional<Duration> delay(String retryAfter) {
        String v = retryAfter.strip();
        if (v.matches("[0-9]{1,10}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
        }
        try {
            ZonedDateTime when = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration wait = Duration.between(ZonedDateTime.now(when.getZone()), when);
            return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** {@code e} of the same kind with another message, so that the caller gets the same status and type. */
    static ChatException withMessage(ChatException e, String message) {
        return switch (e) {
            case ChatException.InvalidRequest x -> new ChatException.InvalidRequest(message);
            case ChatException.ProviderNotFound x -> new ChatException.ProviderNotFound(message);
            case ChatException.ProviderDisabled x -> new ChatException.ProviderDisabled(message);
            case ChatException.ProviderUnavailable x ->
                new ChatException.ProviderUnavailable(message, x.retryAfter().orElse(null));
            case ChatException.ModelNotFound x -> new ChatException.ModelNotFound(message);
            case ChatException.UpstreamBadRequest x -> new ChatException.UpstreamBadRequest(message);
            case ChatException.RateLimited x ->
                new ChatException.RateLimited(message, x.retryAfter().orElse(null));
            case ChatException.UpstreamAuth x -> new ChatException.UpstreamAuth(message);
            case ChatException.UpstreamOverloaded x -> new ChatException.UpstreamOverloaded(message);
            case ChatException.UpstreamFailure x ->
                x.upstreamStatus().isPresent()
                        ? new ChatException.UpstreamFailure(
                                message, x.upstreamStatus().getAsInt())
                        : new ChatException.UpstreamFailure(message, x.getCause());
            case ChatException.UpstreamTimeout x -> new ChatException.UpstreamTimeout(message, x.timeout());
        };
    }
}
