package dev.chatd.server;

import dev.chatd.api.ChatException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error as the caller sees it: an HTTP status, a stable {@code type} to branch on, and a
 * message that says what went wrong and what to do. The one place where chatd's exceptions
 * meet HTTP statuses.
 *
 * @param retryAfter the upstream's {@code Retry-After}, kept for 429s; null otherwise
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
            case ChatException.ModelNotFound x -> of(404, "model_not_found", message);
            case ChatException.UpstreamBadRequest x -> of(400, "upstream_bad_request", message);
            case ChatException.RateLimited x -> new ApiError(429, "rate_limited", message, x.retryAfter().orElse(null));
            case ChatException.UpstreamAuth x -> of(502, "upstream_auth", message);
            case ChatException.UpstreamFailure x -> of(502, "upstream_error", message);
            case ChatException.UpstreamTimeout x -> of(504, "upstream_timeout", message);
        };
    }

    public static ApiError internal(String requestId) {
        return of(500, "internal", "chatd failed unexpectedly; the log has the details under request id " + requestId);
    }

    /**
     * OpenAI's envelope, {@code {"error":{"message","type","param","code"}}}: {@code type} is
     * OpenAI's category, {@code code} chatd's own type. The SDKs pick their error class from
     * the status.
     */
    public Map<String, Object> openAiBody() {
        String category = switch (status) {
            case 401 -> "authentication_error";
            case 429 -> "rate_limit_error";
            case 404 -> "not_found_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("message", message);
        detail.put("type", category);
        detail.put("param", null);
        detail.put("code", type);
        return Map.of("error", detail);
    }

    /** chatd's own envelope: {@code {"error":{"type":…,"message":…,"request_id":…}}}. */
    public Map<String, Object> body(String requestId) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("type", type);
        detail.put("message", message);
        detail.put("request_id", requestId);
        return Map.of("error", detail);
    }

    /** Ollama's envelope: {@code {"error":"<message>"}}. */
    public Map<String, Object> ollamaBody() {
        return Map.of("error", message);
    }
}
