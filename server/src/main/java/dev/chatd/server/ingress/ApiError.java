package dev.chatd.server.ingress;

import dev.chatd.api.ChatException;

/**
 * An error as the caller sees it: an HTTP status, a stable {@code type} to branch on, and a
 * message that says what went wrong and what to do. The one place where chatd's exceptions
 * meet HTTP statuses; each {@link IngressCodec} writes it in its API's envelope.
 *
 * @param retryAfter the upstream's {@code Retry-After}, kept for 429s and 503s; null otherwise
 */
public record ApiError(int status, String type, String message, String retryAfter) {

    public static ApiError of(int status, String type, String message) {
        return new ApiError(status, type, message, null);
    }

    public static ApiError of(ChatException e) {
        String message = e.getMessage();
        return switch (e) {
            case ChatException.InvalidRequest x -> of(400, "invalid_request", message);
            case ChatException.ProviderNotFound x -> of(404, "provider_not_found", message);
            case ChatException.ProviderDisabled x -> of(503, "provider_disabled", message);
            case ChatException.ProviderUnavailable x ->
                new ApiError(
                        503, "provider_unavailable", message, x.retryAfter().orElse(null));
            case ChatException.ModelNotFound x -> of(404, "model_not_found", message);
            case ChatException.UpstreamBadRequest x -> of(400, "upstream_bad_request", message);
            case ChatException.RateLimited x ->
                new ApiError(429, "rate_limited", message, x.retryAfter().orElse(null));
            case ChatException.UpstreamAuth x -> of(502, "upstream_auth", message);
            // Before its supertype: a client API may answer it with a status of its own (Anthropic's 529).
            case ChatException.UpstreamOverloaded x -> of(502, "upstream_overloaded", message);
            case ChatException.UpstreamFailure x -> of(502, "upstream_error", message);
            case ChatException.UpstreamTimeout x -> of(504, "upstream_timeout", message);
        };
    }

    /** This error answered with another HTTP status ({@link IngressCodec#status}). */
    public ApiError withStatus(int status) {
        return status == this.status ? this : new ApiError(status, type, message, retryAfter);
    }

    public static ApiError internal(String requestId) {
        return of(500, "internal", "chatd failed unexpectedly; the log has the details under request id " + requestId);
    }
}
