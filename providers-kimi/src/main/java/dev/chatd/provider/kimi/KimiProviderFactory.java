package dev.chatd.provider.kimi;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiCompatibleProvider;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code kimi}: Kimi For Coding ({@code kimi/kimi-for-coding}). Kimi serves only the coding
 * agents it recognises by User-Agent and refuses others with 403
 * {@code access_terminated_error}. chatd does not pose as another client: it reports that
 * refusal as a non-retryable 502 that says so. An operator whose agreement allows it can set a
 * User-Agent under {@code chatd.providers.kimi.headers}. Kimi puts usage inside
 * {@code choices[0]}; chatd finds it there.
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

    @Override
    public Optional<ChatProvider> create(ProviderContext context) {
        return context.key().map(key -> new OpenAiCompatibleProvider(context, Map.of(), new Quirks()));
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
            if (reply.status() == 403 && "access_terminated_error".equals(reply.errorType())) {
                return new ChatException.UpstreamAuth(
                        reply.provider() + " refused this client: Kimi For Coding serves only"
                                + " the coding agents it recognises (403 access_terminated_error). Retrying will not help; chatd does"
                                + " not spoof a User-Agent. If your agreement with Kimi allows it, set"
                                + " chatd.providers.kimi.headers.User-Agent.");
            }
            return UpstreamErrors.fromReply(reply);
        }
    }
}
