package dev.chatd.core;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProviderFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Picks a provider for a model name, in this order:
 * <ol>
 *   <li>a prefix that is a discovered provider's name followed by {@code /}
 *       ({@code openrouter/openai/gpt-4o} goes to {@code openrouter} as {@code openai/gpt-4o}),
 *       after which that provider may still strip its own mark from the rest;</li>
 *   <li>a mark claimed by a factory ({@code gpt-oss:120b-cloud} goes to {@code ollama_cloud});</li>
 *   <li>the default provider, with the name unchanged.</li>
 * </ol>
 * Built once at start-up from the discovered factories. A factory whose {@code claim} throws
 * (a bug, or a {@link LinkageError} from a JAR built against another chatd) claims nothing and
 * is logged once; the request goes on.
 */
public final class ModelRouter {
    private static final Logger LOG = Logger.getLogger(ModelRouter.class.getName());

    /** Where a model name goes: the provider's name and the model the upstream should see. */
    public record Target(String provider, String upstreamModel) {}

    private final Map<String, ChatProviderFactory> factories = new LinkedHashMap<>();
    private final String defaultProvider;
    private final Set<String> failedClaims = ConcurrentHashMap.newKeySet();

    public ModelRouter(List<ChatProviderFactory> factories, String defaultProvider) {
        this(byName(factories), defaultProvider);
    }

    /**
     * @param providers every provider name to the factory that makes it: a factory's own name,
     *     and each name the configuration declares with {@code type:} (those route by prefix)
     */
    public ModelRouter(Map<String, ChatProviderFactory> providers, String defaultProvider) {
        this.factories.putAll(providers);
        this.defaultProvider = defaultProvider;
    }

    private static Map<String, ChatProviderFactory> byName(List<ChatProviderFactory> factories) {
        Map<String, ChatProviderFactory> byName = new LinkedHashMap<>();
        for (ChatProviderFactory factory : factories) {
            byName.put(factory.name(), factory);
        }
        return byName;
    }

    public Target route(String model) {
        int slash = model.indexOf('/');
        if (slash > 0) {
            String name = model.substring(0, slash);
            ChatProviderFactory prefixed = factories.get(name);
            if (prefixed != null) {
                String rest = model.substring(slash + 1);
                if (rest.isBlank()) {
                    throw new ChatException.InvalidRequest(
                            "model '" + model + "' names a provider but no model: use '" + name + "/<model>'");
                }
                return new Target(name, claim(prefixed, rest).orElse(rest));
            }
        }
        for (Map.Entry<String, ChatProviderFactory> provider : factories.entrySet()) {
            Optional<String> claimed = claim(provider.getValue(), model);
            if (claimed.isPresent() && !claimed.get().isBlank()) {
                return new Target(provider.getKey(), claimed.get());
            }
        }
        return new Target(defaultProvider, model);
    }

    private Optional<String> claim(ChatProviderFactory factory, String model) {
        try {
            Optional<String> claimed = factory.claim(model);
            return claimed == null ? Optional.empty() : claimed;
        } catch (RuntimeException | LinkageError e) {
            if (failedClaims.add(factory.name())) {
                LOG.warning(() -> "provider " + factory.name() + " failed to claim a model name, so it claims none: "
                        + ProviderDiscovery.describe(e));
            }
            return Optional.empty();
        }
    }
}
