package dev.chatd.api;

import java.util.List;
import java.util.Objects;

/**
 * A whole answer from a provider: one choice, or several when the request asked for {@code n}
 * of them and the upstream gave them.
 *
 * @param id the upstream's id for the answer, or null when it gives none
 * @param model the model the upstream says answered (may differ from the one asked)
 * @param choices the answers, at least one, in the upstream's order
 * @param usage token counts for all choices; {@link Usage#NONE} when the upstream reports none
 */
public record ChatResponse(String id, String model, List<Choice> choices, Usage usage) {
    public ChatResponse {
        choices = List.copyOf(choices);
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("a response has at least one choice");
        }
        usage = usage == null ? Usage.NONE : usage;
    }

    /** A response of one choice. */
    public ChatResponse(String id, String model, Message message, FinishReason finishReason, Usage usage) {
        this(id, model, List.of(new Choice(message, finishReason, null)), usage);
    }

    /** The first choice's message, with tool calls and reasoning where given. */
    public Message message() {
        return choices.get(0).message();
    }

    /** Why the first choice stopped. */
    public FinishReason finishReason() {
        return choices.get(0).finishReason();
    }

    /**
     * One answer.
     *
     * @param message the assistant message, with tool calls and reasoning where given
     * @param finishReason why generation stopped
     * @param logprobs the log probabilities of the content's tokens, or null when not asked for
     *     or not given
     * @since 0.3
     */
    public record Choice(Message message, FinishReason finishReason, List<TokenLogprob> logprobs) {
        public Choice {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(finishReason, "finishReason");
            logprobs = logprobs == null ? null : List.copyOf(logprobs);
        }
    }
}
