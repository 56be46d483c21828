package dev.chatd.server;

import dev.chatd.server.ingress.IngressCodec;
import io.helidon.webserver.http.HttpService;
import java.util.List;

/**
 * One client API mounted on the server: its codec, the paths its chat handler answers
 * ({@code POST}), the paths whose errors it writes, and its other, simple routes (model lists,
 * version).
 *
 * @param errorPaths paths whose errors take this codec's envelope: an exact path, or a prefix
 *     ending in {@code *}; the longest match wins, and a path nobody claims gets the native one
 * @param routes the API's routes other than chat; {@code rules -> {}} when it has none
 * @param served the endpoints an unknown route's 404 lists, such as {@code POST /api/chat}
 */
record Ingress(
        IngressCodec codec, List<String> chatPaths, List<String> errorPaths, HttpService routes, List<String> served) {
    Ingress {
        chatPaths = List.copyOf(chatPaths);
        errorPaths = List.copyOf(errorPaths);
        served = List.copyOf(served);
    }

    /** How long the longest of this mount's error paths matching {@code path} is; -1 if none does. */
    int match(String path) {
        int best = -1;
        for (String pattern : errorPaths) {
            boolean prefix = pattern.endsWith("*");
            String stem = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
            if (prefix ? path.startsWith(stem) : path.equals(stem)) {
                best = Math.max(best, stem.length());
            }
        }
        return best;
    }
}
