package dev.chatd.kit.tool;

import java.security.SecureRandom;

/**
 * Ids for tool calls that came without one (Ollama before 0.12.10 sends none; OpenAI clients
 * and LangChain's agents refuse a call without one).
 *
 * @since 0.3
 */
public final class ToolCallIds {
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int RANDOM_CHARS = 24;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ToolCallIds() {}

    /** A fresh id in OpenAI's shape: {@code call_} and 24 random base62 characters. */
    public static String generate() {
        StringBuilder id = new StringBuilder(5 + RANDOM_CHARS).append("call_");
        for (int i = 0; i < RANDOM_CHARS; i++) {
            id.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
        }
        return id.toString();
    }

    /**
     * The id of call {@code call} of message {@code message} of a conversation a client sent
     * without ids. The same conversation sent again gets the same ids, so an upstream's prompt
     * cache still matches it, and no two calls of one conversation share one.
     */
    public static String forPosition(int message, int call) {
        return "call_" + message + "_" + call;
    }
}
