package dev.chatd.kit.responses;

import java.security.SecureRandom;

/**
 * Ids in the Responses format's shape, for what chatd writes where nobody gave one: a prefix
 * and 24 base62 characters.
 *
 * @since 0.3
 */
public final class ResponsesIds {
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ResponsesIds() {}

    /** A response's id: {@code resp_…}. */
    public static String response() {
        return "resp_" + random();
    }

    /** A message item's id: {@code msg_…}. */
    public static String message() {
        return "msg_" + random();
    }

    /** A reasoning item's id: {@code rs_…}. */
    public static String reasoning() {
        return "rs_" + random();
    }

    /** A function_call item's id: {@code fc_…}. */
    public static String functionCall() {
        return "fc_" + random();
    }

    /** A tool call's id, which the client's {@code function_call_output} echoes: {@code call_…}. */
    public static String call() {
        return "call_" + random();
    }

    private static String random() {
        char[] id = new char[24];
        for (int i = 0; i < id.length; i++) {
            id[i] = BASE62[RANDOM.nextInt(BASE62.length)];
        }
        return new String(id);
    }
}
