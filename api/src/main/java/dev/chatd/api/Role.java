package dev.chatd.api;

import java.util.Locale;
import java.util.Optional;

/** Who wrote a message. The wire name is the lower-case enum name. */
public enum Role {
    SYSTEM,
    USER,
    ASSISTANT,
    TOOL;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The name used on the wire by OpenAI and Ollama, e.g. {@code "assistant"}. */
    public String wire() {
        return wire;
    }

    /** The role for a wire name, or empty when the name is not a role. */
    public static Optional<Role> fromWire(String name) {
        for (Role role : values()) {
            if (role.wire.equals(name)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
