package dev.chatd.api;

import java.util.Objects;

/**
 * A call of a function tool made by the model.
 *
 * @param id the call's id, echoed by the {@code tool} message that answers it; may be null
 *     where the upstream gives none (older Ollama)
 * @param name the function's name
 * @param arguments the arguments as JSON text, the way OpenAI carries them
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        arguments = arguments == null || arguments.isBlank() ? "{}" : arguments;
    }
}
