package dev.chatd.server;

import dev.chatd.api.spi.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The inbound token check: {@code Authorization: Bearer <token>}, or {@code x-api-key: <token>}
 * as Anthropic's SDKs and Claude Code send it (on every path: a client that has the token may
 * present it either way). Digests are compared, not the strings, so the comparison
 * takes the same time whatever the length or content of a guess.
 */
final class BearerAuth {
    private static final String PREFIX = "Bearer ";
    private final byte[] expected;

    private BearerAuth(byte[] expected) {
        this.expected = expected;
    }

    /** An auth check for the token, or empty when no token is configured (no auth). */
    static Optional<BearerAuth> of(Optional<Secret> token) {
        return token.map(t -> new BearerAuth(digest(t.reveal())));
    }

    boolean accepts(String authorization) {
        if (authorization == null
                || authorization.length() <= PREFIX.length()
                || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        return MessageDigest.isEqual(
                expected, digest(authorization.substring(PREFIX.length()).strip()));
    }

    /** Whether an {@code x-api-key} header's value is the token; null (no header) is not. */
    boolean acceptsApiKey(String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            return false;
        }
        return MessageDigest.isEqual(expected, digest(apiKey.strip()));
    }

    /** Whether either header carries the token; each may be null. */
    boolean accepts(String authorization, String apiKey) {
        // Both checked, so the time taken does not say which header was tried.
        boolean bearer = accepts(authorization);
        boolean key = acceptsApiKey(apiKey);
        return bearer | key;
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
