package dev.chatd.api.spi;

import java.util.Objects;

/**
 * A credential. Its {@link #toString()} prints {@code ****}, so a key that slips into a log
 * line or an error message shows nothing; only {@link #reveal()} gives the value, for the one
 * header that needs it.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** A secret holding {@code value}, which must not be blank. */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("a secret cannot be blank");
        }
        return new Secret(value);
    }

    /** The value itself. Use it for an outgoing header and nowhere else. */
    public String reveal() {
        return value;
    }

    /** Replaces every occurrence of this secret in {@code text} with {@code ****}. */
    public String redact(String text) {
        return text == null ? null : text.replace(value, "****");
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s
                && java.security.MessageDigest.isEqual(
                        s.value.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
