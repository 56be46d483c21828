package dev.chatd.api;

import java.util.Objects;

/**
 * A function tool the model may call.
 *
 * @param name the function's name
 * @param description what it does, or null
 * @param parameters its JSON schema as a plain Java tree (maps, lists, strings, numbers,
 *     booleans), or null
 */
public record Tool(String name, String description, Object parameters) {
    public Tool {
        Objects.requireNonNull(name, "name");
    }
}
