package dev.chatd.kit.anthropic;

import java.security.SecureRandom;

/**
 * Ids in Anthropic's shape, for what chatd writes to Anthropic clients and upstreams where
 * nobody gave one: a prefix and 24 base62 characters, like Anthropic's own.
 *
 * @since 0.3
 */
public final class AnthropicIds {
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private AnthropicIds() {}

    /** A tool call's id: {@code toolu_} and 24 base62 characters. */
    public static String toolUse() {
        return "toolu_" + random(24);
    }

    /** A message's id: {@code msg_} and 24 base62 characters. */
    public static String message() {
        return "msg_" + random(24);
    }

    private static String random(int length) {
        char[] id = new char[length];
        for (int i = 0; i < length; i++) {
            id[i] = BASE62[RANDOM.nextInt(BASE62.length)];
        }
        return new String(id);
    }
}
