package dev.chatd.api;

import java.util.Locale;
import java.util.Optional;

/** Why the model stopped, normalised across providers. */
public enum FinishReason {
    STOP,
    LENGTH,
    TOOL_CALLS,
    CONTENT_FILTER,
    ERROR;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The OpenAI-style wire name, e.g. {@code "tool_calls"}. */
    public String wire() {
        return wire;
    }

    /** The reason for an OpenAI-style wire name, or empty when it is not one. */
    public static Optional<FinishReason> fromWire(String name) {
        for (FinishReason reason : values()) {
            if (reason.wire.equals(name)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }
}
