package dev.chatd.api;

import java.math.BigDecimal;

/**
 * Token counts of one answer.
 *
 * @param cost what the upstream says the call cost (OpenRouter, OpenCode Zen), or null
 * @param cachedTokens how many of the prompt tokens the upstream read from its prompt cache
 *     (OpenAI's {@code prompt_tokens_details.cached_tokens}), or null when it does not say
 * @param reasoningTokens how many of the completion tokens were reasoning (OpenAI's
 *     {@code completion_tokens_details.reasoning_tokens}), or null when it does not say
 */
public record Usage(
        int promptTokens,
        int completionTokens,
        int totalTokens,
        BigDecimal cost,
        Integer cachedTokens,
        Integer reasoningTokens) {

    public static final Usage NONE = new Usage(0, 0, 0, null);

    /** Usage without the cached-input and reasoning details. */
    public Usage(int promptTokens, int completionTokens, int totalTokens, BigDecimal cost) {
        this(promptTokens, completionTokens, totalTokens, cost, null, null);
    }

    /** Usage from prompt and completion counts, the total being their sum. */
    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens, null);
    }

    public Usage withCost(BigDecimal cost) {
        return new Usage(promptTokens, completionTokens, totalTokens, cost, cachedTokens, reasoningTokens);
    }

    /**
     * The same counts with the cached-input and reasoning details.
     *
     * @since 0.3
     */
    public Usage withDetails(Integer cachedTokens, Integer reasoningTokens) {
        return new Usage(promptTokens, completionTokens, totalTokens, cost, cachedTokens, reasoningTokens);
    }
}
