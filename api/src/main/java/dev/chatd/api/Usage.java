package dev.chatd.api;

import java.math.BigDecimal;

/**
 * Token counts of one answer.
 *
 * @param cost what the upstream says the call cost (OpenRouter, OpenCode Zen), or null
 */
public record Usage(int promptTokens, int completionTokens, int totalTokens, BigDecimal cost) {

    public static final Usage NONE = new Usage(0, 0, 0, null);

    /** Usage from prompt and completion counts, the total being their sum. */
    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens, null);
    }

    public Usage withCost(BigDecimal cost) {
        return new Usage(promptTokens, completionTokens, totalTokens, cost);
    }
}
