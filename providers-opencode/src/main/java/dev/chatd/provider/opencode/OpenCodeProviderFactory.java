package dev.chatd.provider.opencode;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatReplies;
import dev.chatd.kit.openai.OpenAiCompatibleProvider;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code opencode}: OpenCode Zen's OpenAI-format models ({@code opencode/glm-5} reaches Zen as
 * {@code glm-5}). Zen wraps errors in an Anthropic-style envelope and answers an unknown model
 * with 401 {@code ModelError}, which chatd reports as 404 {@code model_not_found}, not as a key
 * problem. Zen's {@code cost} lands in the usage.
 */
public final class OpenCodeProviderFactory implements ChatProviderFactory {

    @Override
    public int spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public String name() {
        return "opencode";
    }

    @Override
    public ProviderDefaults defaults() {
        return ProviderDefaults.keyed("https://opencode.ai/zen/v1", "OPENCODE_API_KEY", "/etc/chatd/opencode.env");
    }

    @Override
    public Optional<ChatProvider> create(ProviderContext context) {
        return context.key().map(key -> new OpenAiCompatibleProvider(context, Map.of(), new Quirks()));
    }

    /** Zen's departures: its error envelope (above), and the call's cost as a top-level {@code cost}, often a string. */
    static final class Quirks implements OpenAiCompatibleProvider.Quirks {
        @Override
        public Object reply(Object tree) {
            return costIntoUsage(tree);
        }

        /** Zen's cost arrives in a chunk of its own after {@code [DONE]}; the stream keeps usage from there. */
        @Override
        public Object chunk(Object event) {
            return costIntoUsage(event);
        }

        /** Moves a top-level {@code cost} into {@code usage.cost}, where OpenAI-compatible upstreams put it, unless one is there. */
        private static Object costIntoUsage(Object tree) {
            if (tree instanceof Map<?, ?>) {
                JsonObjectView view = JsonObjectView.of(tree, "reply", ChatException.UpstreamFailure::new);
                BigDecimal cost = OpenAiChatReplies.cost(view.raw("cost"));
                if (cost != null) {
                    Map<String, Object> usage = view.raw("usage") instanceof Map<?, ?>
                            ? view.object("usage").fields()
                            : new LinkedHashMap<>();
                    usage.putIfAbsent("cost", cost);
                    view.fields().put("usage", usage);
                }
            }
            return tree;
        }

        @Override
        public ChatException error(UpstreamReply reply) {
            String type = reply.errorType();
            if ("CreditsError".equals(type) || "MonthlyLimitError".equals(type)) {
                // Zen says 401, but the key is fine: the account ran out.
                String message = reply.errorMessage();
                return new ChatException.UpstreamFailure(reply.provider() + " refused the call: "
                        + ("CreditsError".equals(type)
                                ? "the account is out of credits"
                                : "the monthly limit is reached")
                        + " (" + type + ")" + (message == null ? "" : ": " + message));
            }
            if (reply.status() == 401 && "ModelError".equals(type)) {
                String message = reply.errorMessage();
                return new ChatException.ModelNotFound(
                        reply.provider() + " does not serve this model" + (message == null ? "" : ": " + message));
            }
            return UpstreamErrors.fromReply(reply);
        }
    }
}
