package dev.chatd.provider.opencode;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.kit.anthropic.AnthropicCompatibleProvider;
import dev.chatd.kit.anthropic.AnthropicErrors;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatReplies;
import dev.chatd.kit.openai.OpenAiCompatibleProvider;
import dev.chatd.kit.responses.ResponsesCompatibleProvider;
import dev.chatd.kit.routing.SplitByModelProvider;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code opencode}: OpenCode Zen ({@code opencode/glm-5} reaches Zen as {@code glm-5}). Its
 * Claude models ({@code opencode/claude-sonnet-4-5}) are served in Anthropic's format at
 * {@code /messages} with {@code x-api-key}; its OpenAI GPT models ({@code opencode/gpt-5},
 * {@code opencode/gpt-5-codex}) only in OpenAI's Responses format at {@code /responses}, with a
 * Bearer key; the others in OpenAI's chat completions at {@code /chat/completions} with a Bearer
 * key, and so is the model list. Zen wraps errors in an Anthropic-style envelope and answers an unknown model
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
        return context.key()
                // Two splits, one inside the other: the innermost main provider, chat
                // completions, is the one that lists the models and takes every model not named.
                .map(key -> SplitByModelProvider.create(
                        SplitByModelProvider.create(
                                new OpenAiCompatibleProvider(context, Map.of(), new Quirks()),
                                new AnthropicCompatibleProvider(context, Map.of(), new ClaudeQuirks()),
                                OpenCodeProviderFactory::isClaude),
                        new ResponsesCompatibleProvider(context, Map.of(), new GptQuirks()),
                        OpenCodeProviderFactory::isGpt));
    }

    /**
     * Whether Zen serves {@code model} on {@code /responses}: its OpenAI GPT models
     * ({@code gpt-5}, {@code gpt-5-codex}, {@code gpt-5.1…}), which Zen serves there only, as
     * OpenAI serves its Codex models.
     */
    static boolean isGpt(String model) {
        return model.startsWith("gpt-");
    }

    /** Whether Zen serves {@code model} on {@code /messages}: its Claude models. */
    static boolean isClaude(String model) {
        return model.startsWith("claude-");
    }

    /** Zen's departures on {@code /messages}: its own error types and its cost, as on {@code /chat/completions}. */
    static final class ClaudeQuirks implements AnthropicCompatibleProvider.Quirks {
        /** Zen adds the call's cost to Anthropic replies too; the stream reader finds it in Zen's last ping. */
        @Override
        public Object reply(Object tree) {
            return Quirks.costIntoUsage(tree);
        }

        @Override
        public ChatException error(UpstreamReply reply) {
            return zenError(reply, AnthropicErrors::fromReply);
        }
    }

    /** Zen's departures on {@code /responses}: its own error types, as on the other endpoints. */
    static final class GptQuirks implements ResponsesCompatibleProvider.Quirks {
        @Override
        public ChatException error(UpstreamReply reply) {
            return zenError(reply, UpstreamErrors::fromReply);
        }
    }

    /**
     * Zen's own error types, which bend the status: out of credits or over the monthly limit is
     * a 401 with a good key, an unknown model a 401 {@code ModelError}. The rest is read as
     * {@code plain} reads it.
     */
    static ChatException zenError(UpstreamReply reply, Function<UpstreamReply, ChatException> plain) {
        String type = reply.errorType();
        if ("CreditsError".equals(type) || "MonthlyLimitError".equals(type)) {
            // Zen says 401, but the key is fine: the account ran out.
            String message = reply.errorMessage();
            return new ChatException.UpstreamFailure(reply.provider() + " refused the call: "
                    + ("CreditsError".equals(type) ? "the account is out of credits" : "the monthly limit is reached")
                    + " (" + type + ")" + (message == null ? "" : ": " + message));
        }
        if (reply.status() == 401 && "ModelError".equals(type)) {
            String message = reply.errorMessage();
            return new ChatException.ModelNotFound(
                    reply.provider() + " does not serve this model" + (message == null ? "" : ": " + message));
        }
        return plain.apply(reply);
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
        static Object costIntoUsage(Object tree) {
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
            return zenError(reply, UpstreamErrors::fromReply);
        }
    }
}
