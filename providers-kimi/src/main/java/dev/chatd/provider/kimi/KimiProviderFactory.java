package dev.chatd.provider.kimi;

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
import dev.chatd.kit.openai.OpenAiCompatibleProvider;
import dev.chatd.kit.routing.SplitByModelProvider;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code kimi}: Kimi For Coding ({@code kimi/kimi-for-coding}). Kimi serves only the coding
 * agents it recognises by User-Agent and refuses others with 403
 * {@code access_terminated_error}. chatd does not pose as another client: it reports that
 * refusal as a non-retryable 502 that says so. An operator whose agreement allows it can set a
 * User-Agent under {@code chatd.providers.kimi.headers}. Kimi puts usage inside
 * {@code choices[0]}; chatd finds it there.
 *
 * <p>Kimi serves the same models in two formats at the same base URL: OpenAI's
 * ({@code /chat/completions}, the default) and Anthropic's ({@code /messages}). The setting
 * {@code api: anthropic} sends chats to the latter, so that an Anthropic client's thinking
 * signatures and {@code cache_control} reach Kimi unchanged; the model list stays on OpenAI's
 * {@code /models}, the one Kimi documents.
 */
public final class KimiProviderFactory implements ChatProviderFactory {

    @Override
    public int spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public String name() {
        return "kimi";
    }

    @Override
    public ProviderDefaults defaults() {
        return ProviderDefaults.keyed("https://api.kimi.com/coding/v1", "KIMI_API_KEY", "/etc/chatd/kimi.env");
    }

    /** The setting that picks the format chats are sent in: {@value #API_OPENAI} (the default) or {@value #API_ANTHROPIC}. */
    static final String API = "api";

    static final String API_OPENAI = "openai";
    static final String API_ANTHROPIC = "anthropic";

    @Override
    public Set<String> settingKeys() {
        return Set.of(API);
    }

    @Override
    public Optional<ChatProvider> create(ProviderContext context) {
        String api = context.settings().getOrDefault(API, API_OPENAI).strip();
        if (!api.equals(API_OPENAI) && !api.equals(API_ANTHROPIC)) {
            throw new IllegalArgumentException(context.name() + "'s " + API + " is '" + api + "'; expected "
                    + API_OPENAI + " or " + API_ANTHROPIC);
        }
        return context.key().map(key -> {
            OpenAiCompatibleProvider openAi = new OpenAiCompatibleProvider(context, Map.of(), new Quirks());
            return api.equals(API_OPENAI)
                    ? openAi
                    : SplitByModelProvider.create(
                            openAi,
                            new AnthropicCompatibleProvider(context, Map.of(), new AnthropicQuirks()),
                            model -> true);
        });
    }

    /** Kimi's departures on {@code /messages}: the same refusal of clients it does not recognise. */
    static final class AnthropicQuirks implements AnthropicCompatibleProvider.Quirks {
        @Override
        public ChatException error(UpstreamReply reply) {
            return kimiError(reply, AnthropicErrors::fromReply);
        }
    }

    /** The 403 for a client Kimi does not serve, explained; the rest as {@code plain} reads it. */
    static ChatException kimiError(UpstreamReply reply, Function<UpstreamReply, ChatException> plain) {
        if (reply.status() == 403 && "access_terminated_error".equals(reply.errorType())) {
            return new ChatException.UpstreamAuth(reply.provider()
                    + " refused this client: Kimi For Coding serves only"
                    + " the coding agents it recognises (403 access_terminated_error). Retrying will not help; chatd does"
                    + " not spoof a User-Agent. If your agreement with Kimi allows it, set"
                    + " chatd.providers.kimi.headers.User-Agent.");
        }
        return plain.apply(reply);
    }

    /** Kimi's departures: the 403 above, and usage inside {@code choices[0]} rather than beside the choices. */
    static final class Quirks implements OpenAiCompatibleProvider.Quirks {
        @Override
        public Object reply(Object tree) {
            return liftUsage(tree);
        }

        @Override
        public Object chunk(Object event) {
            return liftUsage(event);
        }

        /** Moves {@code choices[0].usage} to the top level, where OpenAI puts it, unless one is there already. */
        private static Object liftUsage(Object tree) {
            if (tree instanceof Map<?, ?>) {
                JsonObjectView view = JsonObjectView.of(tree, "reply", ChatException.UpstreamFailure::new);
                if (!view.has("usage")
                        && view.raw("choices") instanceof List<?> choices
                        && !choices.isEmpty()
                        && choices.get(0) instanceof Map<?, ?> first
                        && first.get("usage") instanceof Map<?, ?> usage) {
                    view.fields().put("usage", usage);
                }
            }
            return tree;
        }

        @Override
        public ChatException error(UpstreamReply reply) {
            return kimiError(reply, UpstreamErrors::fromReply);
        }
    }
}
