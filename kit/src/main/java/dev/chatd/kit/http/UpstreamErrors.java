package dev.chatd.kit.http;

import dev.chatd.api.ChatException;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Turns an upstream's error reply into the {@link ChatException} that tells the caller what to
 * do. Providers whose upstream bends the usual meaning of a status (OpenCode's 401 for an
 * unknown model) check for that first and call {@link #classify} for the rest.
 */
public final class UpstreamErrors {
    private UpstreamErrors() {}

    /** The exception for a non-2xx reply, with the upstream's own message where it gave one. */
    public static ChatException fromReply(UpstreamReply reply) {
        String message = reply.errorMessage();
        return classify(reply.provider(), reply.status(), message, reply.header("retry-after"));
    }

    /** The upstream's error message: {@code {"error":"…"}}, {@code {"error":{"message":"…"}}} or {@code {"message":"…"}}. */
    public static String messageOf(UpstreamReply reply) {
        Object tree;
        try {
            tree = JsonCodec.parse(reply.body());
        } catch (JsonCodec.MalformedJsonException e) {
            return null;
        }
        return messageOf(tree);
    }

    /** The error message inside a parsed error body, or null when it has none. */
    public static String messageOf(Object tree) {
        if (!(tree instanceof Map<?, ?> body)) {
            return null;
        }
        String message = messageIn(body.get("error"));
        return message != null ? message : body.get("message") instanceof String s ? s : null;
    }

    /**
     * The text of an {@code error} value inside a reply or a stream event: a string as it is, an
     * object's {@code message}, else the value as JSON text, so nothing the upstream said is lost.
     */
    public static String errorText(Object error) {
        String message = messageIn(error);
        return message != null ? message : JsonCodec.writeString(error);
    }

    /**
     * A successful reply's body as an object, failing as a 502 when it is not one or when the
     * upstream put an {@code error} in it instead of an answer (both formats do that).
     */
    public static JsonObjectView successBody(Object tree, String provider) {
        JsonObjectView reply = JsonObjectView.of(tree, provider + "'s reply", ChatException.UpstreamFailure::new);
        if (reply.has("error")) {
            throw new ChatException.UpstreamFailure(provider + " reported an error: " + errorText(reply.raw("error")));
        }
        return reply;
    }

    /** {@code "…"} or {@code {"message":"…"}}; null for anything else. */
    private static String messageIn(Object error) {
        if (error instanceof String s) {
            return s;
        }
        return error instanceof Map<?, ?> e && e.get("message") instanceof String s ? s : null;
    }

    /**
     * The exception for a status. {@code message} is the upstream's (may be null); 404 without
     * one is more likely a wrong base URL than a missing model. {@code retryAfter} is relayed
     * only when it is valid ({@link #validRetryAfter}).
     */
    public static ChatException classify(String provider, int status, String message, String retryAfter) {
        String said = message == null ? "" : ": " + message;
        return switch (status) {
            case 400, 413, 422 -> new ChatException.UpstreamBadRequest(provider + " rejected the request" + said);
            case 401, 403 ->
                new ChatException.UpstreamAuth(provider + " refused chatd's credentials (HTTP " + status + ")" + said
                        + "; check the provider's key in chatd's configuration");
            case 404 ->
                message == null
                        ? new ChatException.UpstreamFailure(
                                provider + " answered 404 without an error body; check its base-url")
                        : new ChatException.ModelNotFound(provider + said);
            case 408, 504 ->
                new ChatException.UpstreamTimeout(provider + " timed out (HTTP " + status + ")" + said, null);
            case 429 ->
                new ChatException.RateLimited(provider + " is rate limiting" + said, validRetryAfter(retryAfter));
            // The status goes along, so that retries can tell a 503 from a 500.
            default -> new ChatException.UpstreamFailure(provider + " failed with HTTP " + status + said, status);
        };
    }

    /**
     * An upstream's {@code Retry-After} when it is what HTTP allows, delta-seconds or an HTTP
     * date, else null: chatd relays it to its own callers, so junk, control characters or a
     * forged header must not get through.
     */
    public static String validRetryAfter(String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (v.matches("[0-9]{1,10}")) {
            return v;
        }
        if (v.length() > 64 || !v.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            return null;
        }
        try {
            DateTimeFormatter.RFC_1123_DATE_TIME.parse(v);
            return v;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
