package dev.chatd.kit.anthropic;

import dev.chatd.api.ChatException;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Anthropic's error envelope, {@code {"type":"error","error":{"type":…,"message":…}}}, both
 * ways: the type a status is written as for an Anthropic client (whose SDK raises a typed error
 * by it), and the {@link ChatException} an Anthropic-format upstream's error means.
 * {@link UpstreamErrors#messageOf(Object)} and {@link UpstreamErrors#errorText(Object)} already
 * read the envelope's message, since it sits under {@code error.message} as in OpenAI's.
 *
 * @since 0.3
 */
public final class AnthropicErrors {
    /** An upstream that is overloaded says so with this type, mid-stream or as HTTP 529. */
    public static final String OVERLOADED = "overloaded_error";

    private AnthropicErrors() {}

    /** The envelope for an error of {@code type} ({@link #errorType(int)}) saying {@code message}. */
    public static Map<String, Object> envelope(String type, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", type);
        error.put("message", message);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "error");
        body.put("error", error);
        return body;
    }

    /**
     * The error type for an HTTP status: 400 {@code invalid_request_error}, 401
     * {@code authentication_error}, 403 {@code permission_error}, 404 {@code not_found_error},
     * 413 {@code request_too_large}, 429 {@code rate_limit_error}, 529 {@code overloaded_error},
     * any other status from 500 on {@code api_error}; another 4xx is the caller's fault,
     * {@code invalid_request_error}.
     */
    public static String errorType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> OVERLOADED;
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    /**
     * The exception an Anthropic-format upstream's error of {@code type} means, whether it came
     * as an HTTP error or as an {@code event: error} mid-stream. Types it does not know are
     * failures of the upstream.
     *
     * @param message the upstream's message (key already redacted), or null
     * @param retryAfter the upstream's {@code Retry-After}, or null
     */
    public static ChatException toException(String provider, String type, String message, String retryAfter) {
        String said = message == null ? "" : ": " + message;
        if (type == null) {
            return new ChatException.UpstreamFailure(provider + " failed" + said);
        }
        return switch (type) {
            case "invalid_request_error", "request_too_large" ->
                new ChatException.UpstreamBadRequest(provider + " rejected the request" + said);
            case "authentication_error", "permission_error" ->
                new ChatException.UpstreamAuth(provider + " refused chatd's credentials (" + type + ")" + said
                        + "; check the provider's key in chatd's configuration");
            case "not_found_error" -> new ChatException.ModelNotFound(provider + said);
            case "rate_limit_error" ->
                new ChatException.RateLimited(
                        provider + " is rate limiting" + said, UpstreamErrors.validRetryAfter(retryAfter));
            case OVERLOADED -> new ChatException.UpstreamOverloaded(provider + " is overloaded" + said);
            default -> new ChatException.UpstreamFailure(provider + " failed (" + type + ")" + said);
        };
    }

    /**
     * The exception for an Anthropic-format upstream's non-2xx reply: by the envelope's type when
     * it has one (so a 529 says the upstream is overloaded), else by the status as for any
     * upstream ({@link UpstreamErrors#fromReply}). {@code api_error}, the type of every other
     * failure, is read by the status too, which says more (a 504 is a timeout).
     */
    public static ChatException fromReply(UpstreamReply reply) {
        String type = reply.errorType();
        if (type == null && reply.status() == 529) {
            type = OVERLOADED;
        }
        if (type == null || !isKnown(type) || "api_error".equals(type)) {
            return UpstreamErrors.fromReply(reply);
        }
        return toException(reply.provider(), type, reply.errorMessage(), reply.header("retry-after"));
    }

    private static boolean isKnown(String type) {
        return switch (type) {
            case "invalid_request_error",
                    "request_too_large",
                    "authentication_error",
                    "permission_error",
                    "not_found_error",
                    "rate_limit_error",
                    OVERLOADED,
                    "api_error" -> true;
            default -> false;
        };
    }
}
