package dev.chatd.kit.openai;

import dev.chatd.api.TokenLogprob;
import dev.chatd.kit.json.JsonObjectView;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Token log probabilities, both ways. One entry shape serves every format that has them:
 * OpenAI's {@code choices[].logprobs.content[]}, Ollama's top-level {@code logprobs[]} and the
 * Responses API's {@code output_text.logprobs[]} are each a list of
 * {@code {"token","logprob","bytes","top_logprobs":[…]}}.
 *
 * @since 0.3
 */
public final class OpenAiLogprobs {
    private OpenAiLogprobs() {}

    /** A choice's {@code logprobs.content}, or null when the choice has none. */
    public static List<TokenLogprob> decodeChoice(JsonObjectView choice) {
        JsonObjectView logprobs = choice.object("logprobs");
        return logprobs == null ? null : decodeEntries(logprobs, "content");
    }

    /** A list of entries under {@code key}, or null when there is none. Malformed entries fail naming their path. */
    public static List<TokenLogprob> decodeEntries(JsonObjectView holder, String key) {
        List<Object> entries = holder.array(key);
        if (entries == null) {
            return null;
        }
        List<TokenLogprob> decoded = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            decoded.add(decodeEntry(holder.at(entries.get(i), holder.path(key) + "[" + i + "]"), true));
        }
        return decoded;
    }

    private static TokenLogprob decodeEntry(JsonObjectView entry, boolean withTop) {
        Double logprob = entry.decimal("logprob");
        List<Integer> bytes = null;
        List<Object> rawBytes = entry.array("bytes");
        if (rawBytes != null) {
            bytes = new ArrayList<>(rawBytes.size());
            for (Object b : rawBytes) {
                if (!(b instanceof BigDecimal n)) {
                    throw entry.fail(entry.path("bytes") + " must be a list of integers");
                }
                bytes.add(n.intValue());
            }
        }
        List<TokenLogprob> top = List.of();
        if (withTop) {
            List<Object> alternatives = entry.array("top_logprobs");
            if (alternatives != null) {
                top = new ArrayList<>(alternatives.size());
                for (int i = 0; i < alternatives.size(); i++) {
                    top.add(decodeEntry(
                            entry.at(alternatives.get(i), entry.path("top_logprobs") + "[" + i + "]"), false));
                }
            }
        }
        String token = entry.string("token");
        return new TokenLogprob(token == null ? "" : token, logprob == null ? 0 : logprob, bytes, top);
    }

    /** OpenAI's choice {@code logprobs}: {@code {"content":[…],"refusal":null}}; null stays null. */
    public static Map<String, Object> encodeChoice(List<TokenLogprob> logprobs) {
        if (logprobs == null) {
            return null;
        }
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("content", encodeEntries(logprobs));
        choice.put("refusal", null);
        return choice;
    }

    /** The entries, each with its {@code top_logprobs} (empty when none were asked for, as OpenAI sends). */
    public static List<Object> encodeEntries(List<TokenLogprob> logprobs) {
        List<Object> entries = new ArrayList<>(logprobs.size());
        for (TokenLogprob logprob : logprobs) {
            Map<String, Object> entry = encodeEntry(logprob);
            List<Object> top = new ArrayList<>(logprob.top().size());
            for (TokenLogprob alternative : logprob.top()) {
                top.add(encodeEntry(alternative));
            }
            entry.put("top_logprobs", top);
            entries.add(entry);
        }
        return entries;
    }

    private static Map<String, Object> encodeEntry(TokenLogprob logprob) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("token", logprob.token());
        entry.put("logprob", logprob.logprob());
        entry.put("bytes", logprob.bytes());
        return entry;
    }
}
