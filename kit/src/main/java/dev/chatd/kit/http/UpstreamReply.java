package dev.chatd.kit.http;

import dev.chatd.api.ChatException;
import dev.chatd.kit.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A complete upstream answer: status, headers (looked up case-insensitively) and the body's bytes. */
public record UpstreamReply(UpstreamClient client, int status, Map<String, String> headers, byte[] body) {

    public String provider() {
        return client.provider();
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    public String header(String name) {
        return headers.get(name);
    }

    /** The body parsed as JSON; an upstream that answers anything else fails as a 502. */
    public Object json() {
        try {
            return JsonCodec.parse(body);
        } catch (JsonCodec.MalformedJsonException e) {
            throw new ChatException.UpstreamFailure(
                    provider() + " answered HTTP " + status + " with a body that is not JSON (" + describeBody() + ")");
        }
    }

    /**
     * The body parsed as JSON and read by {@code decoder}. An upstream can report an error
     * inside a 200 reply, in its own words, which may quote the key: such failures come out
     * with the key redacted.
     */
    public <T> T decode(java.util.function.Function<Object, T> decoder) {
        Object tree = json();
        try {
            return decoder.apply(tree);
        } catch (ChatException.UpstreamFailure e) {
            throw new ChatException.UpstreamFailure(client.redact(e.getMessage()));
        }
    }

    /** The upstream's error message, with the key redacted; null when the body carries none. */
    public String errorMessage() {
        return client.redact(UpstreamErrors.messageOf(this));
    }

    /** The upstream's error type or code ({@code error.type}, else {@code error.code}), or null. */
    public String errorType() {
        Object tree;
        try {
            tree = JsonCodec.parse(body);
        } catch (JsonCodec.MalformedJsonException e) {
            return null;
        }
        if (tree instanceof java.util.Map<?, ?> map && map.get("error") instanceof java.util.Map<?, ?> error) {
            Object type = error.get("type") != null ? error.get("type") : error.get("code");
            return type == null ? null : String.valueOf(type);
        }
        return null;
    }

    /** A short, printable, key-free description of the body for error messages. */
    public String describeBody() {
        String contentType = header("content-type");
        // Redact before cutting, so no prefix of a key survives the cut.
        String text = client.redact(new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8))
                .replaceAll("\\s+", " ")
                .strip();
        text = text.length() > 120 ? text.substring(0, 120) + "…" : text;
        return (contentType == null ? "no content type" : contentType) + ", "
                + (text.isEmpty() ? "empty" : "starting '" + text + "'");
    }
}
