package dev.chatd.provider.openrouter;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.openai.OpenAiCompatibleProvider;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code openrouter}: {@code openrouter/<vendor>/<model>} reaches OpenRouter as
 * {@code <vendor>/<model>}. Optional attribution headers come from the provider's config
 * ({@code referer} → {@code HTTP-Referer}, {@code title} → {@code X-Title}). OpenRouter calls an
 * unknown model a 400; chatd reports it as the 404 it is. A 403 that flags the input for moderation is
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
        return ProviderDefaults.keyed("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "/etc/chatd/openrouter.env");
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
        return Optional.of(new OpenAiCompatibleProvider(context, headers, new Quirks()));
    }

    static final class Quirks implements OpenAiCompatibleProvider.Quirks {
        @Override
        public ChatException error(UpstreamReply reply) {
            String message = reply.errorMessage();
            if (reply.status() == 400 && message != null && namesUnknownModel(message)) {
                return new ChatException.ModelNotFound(reply.provider() + ": " + message);
            }
            if (reply.status() == 403 && flaggedByModeration(reply)) {
                return new ChatException.UpstreamBadRequest(reply.provider() + " refused the input: the model's moderation"
                        + " flagged it" + (message == null ? "" : ": " + message));
            }
            if (reply.status() == 402) {
                return new ChatException.UpstreamFailure(reply.provider() + " refused the call: the account is out of credits (HTTP 402)"
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
            return m.contains("not a valid model") || (m.contains("model") && (m.contains("not found") || m.contains("does not exist")));
        }
    }
}
