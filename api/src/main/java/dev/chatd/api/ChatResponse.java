package dev.chatd.api;

import java.util.Objects;

/**
 * A whole answer from a provider.
 *
 * @param id the upstream's id for the answer, or null when it gives none
 * @param model the model the upstream says answered (may differ from the one asked)
 * @param message the assistant message, with tool calls and reasoning where given
 * @param finishReason why generation stopped
 * @param usage token counts; {@link Usage#NONE} when the upstream reports none
 */
public record ChatResponse(String id, String model, Message message, FinishReason finishReason, Usage usage) {
    public ChatResponse {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(finishReason, "finishReason");
        usage = usage == null ? Usage.NONE : usage;
    }
}
