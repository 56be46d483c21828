package dev.chatd.provider.openrouter;

import dev.chatd.api.ChatException;
import dev.chatd.api.FinishReason;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatReplies;
import dev.chatd.kit.openai.OpenAiCompatibleProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code openrouter}: {@code openrouter/<vendor>/<model>} reaches OpenRouter as
 * {@code <vendor>/<model>}. Optional attribution headers come from the provider's config
 * ({@code referer} → {@code HTTP-Referer}, {@code title} → {@code X-Title}). OpenRouter calls an
 * unknown model a 400; chatd reports it as the 404 it is. An error inside a choice of a 200 fails the
 * call; a missing finish reason is taken from {@code native_finish_reason}. A 403 that flags the input for moderation is
 * the caller's to fix (400), not a key problem.
 */
public final class OpenRouterProviderFactory implements ChatProviderFactory {

    @Override
    public int spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public String name() {
        return "openrouter";
    }

    @Override
    public ProviderDefaults defaults() {
        return ProviderDefaults.keyed(
                "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "/etc/chatd/openrouter.env");
    }

    @Override
    public Set<String> settingKeys() {
        return Set.of("referer", "title");
    }

    @Override
    public Optional<ChatProvider> create(ProviderContext context) {
        if (context.key().isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String referer = context.settings().get("referer");
        String title = context.settings().get("title");
        if (referer != null && !referer.isBlank()) {
            headers.put("HTTP-Referer", referer);
        }
        if (title != null && !title.isBlank()) {
            headers.put("X-Title", title);
        }
        return Optional.of(new OpenAiCompatibleProvider(context, headers, new Quirks(context.name())));
    }

    /**
     * OpenRouter's departures: its error statuses (above), an error reported inside a choice
     * after generation started, and a finish reason missing or in the model vendor's own words
     * while {@code native_finish_reason} has one.
     */
    static final class Quirks implements OpenAiCompatibleProvider.Quirks {
        private final String provider;

        Quirks(String provider) {
            this.provider = provider;
        }

        /** A choice that carries an {@code error} failed after generation started: the reply is no answer. */
        @Override
        public Object reply(Object tree) {
            for (JsonObjectView choice : choices(tree, "reply")) {
                if (choice.has("error")) {
                    throw new ChatException.UpstreamFailure(
                            provider + " failed while generating: " + UpstreamErrors.errorText(choice.raw("error")));
                }
                normaliseFinish(choice);
            }
            return tree;
        }

        @Override
        public Object chunk(Object event) {
            choices(event, "stream event").forEach(Quirks::normaliseFinish);
            return event;
        }

        private static List<JsonObjectView> choices(Object tree, String what) {
            if (!(tree instanceof Map<?, ?>)) {
                return List.of(); // the plain decoder says what is wrong with it
            }
            JsonObjectView view = JsonObjectView.of(tree, what, ChatException.UpstreamFailure::new);
            List<Object> choices = view.array("choices");
            List<JsonObjectView> views = new ArrayList<>();
            for (int i = 0; choices != null && i < choices.size(); i++) {
                if (choices.get(i) instanceof Map<?, ?>) {
                    views.add(view.at(choices.get(i), "choices[" + i + "]"));
                }
            }
            return views;
        }

        /** Puts the finish reason in OpenAI's words, from {@code native_finish_reason} when it has none. */
        private static void normaliseFinish(JsonObjectView choice) {
            FinishReason reason = finishReason(choice.raw("finish_reason"));
            if (reason == null) {
                reason = finishReason(choice.raw("native_finish_reason"));
            }
            if (reason != null) {
                choice.fields().put("finish_reason", reason.wire());
            }
        }

        /** OpenAI's values, and the vendors' own that OpenRouter passes on (Anthropic's, Google's upper-case ones). */
        static FinishReason finishReason(Object value) {
            if (!(value instanceof String s) || s.isEmpty()) {
                return null;
            }
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "tool_use" -> FinishReason.TOOL_CALLS;
                case "end_turn", "stop_sequence", "eos" -> FinishReason.STOP;
                case "max_tokens", "model_length" -> FinishReason.LENGTH;
                case "safety", "content_filtered", "recitation" -> FinishReason.CONTENT_FILTER;
                default -> OpenAiChatReplies.finishReason(s);
            };
        }

        /** OpenRouter's list has every model it routes, with context length, modalities and parameters. */
        @Override
        public boolean modelListHasDetails() {
            return true;
        }

        @Override
        public ChatException error(UpstreamReply reply) {
            String message = reply.errorMessage();
            if (reply.status() == 400 && message != null && namesUnknownModel(message)) {
                return new ChatException.ModelNotFound(reply.provider() + ": " + message);
            }
            if (reply.status() == 403 && flaggedByModeration(reply)) {
                return new ChatException.UpstreamBadRequest(
                        reply.provider() + " refused the input: the model's moderation" + " flagged it"
                                + (message == null ? "" : ": " + message));
            }
            if (reply.status() == 402) {
                return new ChatException.UpstreamFailure(
                        reply.provider() + " refused the call: the account is out of credits (HTTP 402)"
                                + (message == null ? "" : ": " + message));
            }
            return UpstreamErrors.fromReply(reply);
        }

        /** A 403 for moderation names the flagged input in {@code error.metadata}; other 403s are about the key. */
        private static boolean flaggedByModeration(UpstreamReply reply) {
            try {
                return JsonCodec.parse(reply.body()) instanceof Map<?, ?> body
                        && body.get("error") instanceof Map<?, ?> error
                        && error.get("metadata") instanceof Map<?, ?> metadata
                        && (metadata.containsKey("flagged_input") || metadata.containsKey("reasons"));
            } catch (JsonCodec.MalformedJsonException e) {
                return false;
            }
        }

        private static boolean namesUnknownModel(String message) {
            String m = message.toLowerCase(Locale.ROOT);
            return m.contains("not a valid model")
                    || (m.contains("model") && (m.contains("not found") || m.contains("does not exist")));
        }
    }
}
