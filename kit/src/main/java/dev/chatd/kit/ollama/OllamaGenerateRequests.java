package dev.chatd.kit.ollama;

import dev.chatd.api.ChatRequest;
import dev.chatd.kit.json.JsonObjectView;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ollama {@code /api/generate} requests from an Ollama client, read as a chat: the
 * {@code system} text becomes a system message and the {@code prompt} (with its
 * {@code images}) the user's. Everything else ({@code options}, {@code format}, {@code think},
 * {@code keep_alive}, unknown fields) is read exactly as {@link OllamaChatRequests} reads it
 * in an {@code /api/chat} request.
 *
 * <p>What a chat cannot carry is refused with a 400 rather than dropped: {@code raw} prompts
 * and {@code template}s (every provider applies its model's own template to messages),
 * {@code suffix} (fill-in-the-middle) and {@code context} (token ids of an earlier reply).
 *
 * @since 0.3
 */
public final class OllamaGenerateRequests {
    /** Fields of a generate request that a chat request does not have; the rest pass to the chat reader. */
    private static final Set<String> GENERATE_FIELDS =
            Set.of("prompt", "system", "images", "stream", "raw", "template", "suffix", "context");

    private OllamaGenerateRequests() {}

    /**
     * Reads a generate request with a prompt as the chat request it asks for.
     *
     * @throws dev.chatd.api.ChatException.InvalidRequest for a malformed field or one chatd does
     *     not support, saying what to send instead
     */
    public static ChatRequest decodeRequest(JsonObjectView r) {
        refuseUnsupported(r);
        Map<String, Object> chat = new LinkedHashMap<>();
        r.fields().forEach((key, value) -> {
            if (!GENERATE_FIELDS.contains(key)) {
                chat.put(key, value);
            }
        });
        List<Object> messages = new ArrayList<>(2);
        String system = r.string("system");
        if (system != null && !system.isEmpty()) {
            messages.add(Map.of("role", "system", "content", system));
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("role", "user");
        user.put("content", r.string("prompt") == null ? "" : r.string("prompt"));
        List<Object> images = r.array("images");
        if (images != null) {
            if (!images.stream().allMatch(String.class::isInstance)) {
                throw r.fail("images must be a list of base64 strings");
            }
            user.put("images", images);
        }
        messages.add(user);
        chat.put("messages", messages);
        return OllamaChatRequests.decodeRequest(JsonObjectView.of(chat, "the request body", r::fail));
    }

    /**
     * Whether the request only asks to load (or, with {@code keep_alive} 0, unload) the model:
     * Ollama answers a generate request without a prompt at once, generating nothing.
     */
    public static boolean loadsOnly(JsonObjectView r) {
        String prompt = r.string("prompt");
        return prompt == null || prompt.isEmpty();
    }

    /**
     * Ollama's {@code done_reason} for a request that {@link #loadsOnly loads only}:
     * {@code unload} when {@code keep_alive} is zero, else {@code load}.
     */
    public static String loadReason(JsonObjectView r) {
        Object keepAlive = r.raw("keep_alive");
        boolean zero = keepAlive instanceof BigDecimal n
                ? n.signum() == 0
                : keepAlive instanceof String s && s.strip().matches("0+(\\.0+)?(ns|us|µs|ms|s|m|h)?");
        return zero ? "unload" : "load";
    }

    /** Whether a generate request streams: absent means yes, as for chat. */
    public static boolean streams(JsonObjectView r) {
        return OllamaChatRequests.streams(r);
    }

    private static void refuseUnsupported(JsonObjectView r) {
        if (Boolean.TRUE.equals(r.bool("raw"))) {
            throw r.fail("chatd does not support \"raw\": true: every provider takes chat messages and applies"
                    + " its model's own template, so a prompt cannot bypass it; send the prompt without raw"
                    + " (or the conversation as messages to /api/chat)");
        }
        if (isSet(r.raw("template"))) {
            throw r.fail("chatd does not support \"template\": every provider applies its model's own prompt"
                    + " template; leave template out and put instructions in \"system\"");
        }
        if (isSet(r.raw("suffix"))) {
            throw r.fail("chatd does not support \"suffix\" (fill-in-the-middle): it sends chat messages, which"
                    + " have no place for the text after the gap; ask the provider's own completion API for"
                    + " fill-in-the-middle, or send the code around the gap in the prompt");
        }
        if (r.raw("context") instanceof List<?> context && !context.isEmpty()) {
            throw r.fail("chatd does not support \"context\" (the token ids of an earlier reply): it never"
                    + " returns them; send the conversation as messages to /api/chat instead");
        }
    }

    private static boolean isSet(Object value) {
        return value != null && !"".equals(value);
    }
}
