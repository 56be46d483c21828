package dev.chatd.api.spi;

import java.util.Optional;
import java.util.Set;

/**
 * Creates a {@link ChatProvider} from its configuration. Found with
 * {@link java.util.ServiceLoader}: a provider JAR lists its factories in
 * {@code META-INF/services/dev.chatd.api.spi.ChatProviderFactory}. Factories are stateless
 * and need a public no-argument constructor.
 */
public interface ChatProviderFactory {

    /**
     * The provider's name: lower case, unique among the factories on the class path, and the
     * model prefix that routes to it ({@code name/model}).
     */
    String name();

    /** Base URL and key location used unless the configuration overrides them. */
    ProviderDefaults defaults();

    /**
     * Claims a model name that carries no provider prefix, by a mark of this provider's own
     * (Ollama Cloud claims {@code gpt-oss:120b-cloud}). Returns the model the upstream should
     * see, without the mark, or empty when the name is not this provider's. The default
     * claims nothing.
     */
    default Optional<String> claim(String model) {
        return Optional.empty();
    }

    /**
     * The keys of its own that this provider reads from {@link ProviderContext#settings()}
     * (OpenRouter: {@code referer}, {@code title}), besides the ones every provider node takes
     * ({@code base-url}, {@code key-env}, {@code headers}, ...). chatd warns about any other key
     * in the provider's node, as a likely typo, and maps environment variables onto these. The
     * default is none.
     */
    default Set<String> settingKeys() {
        return Set.of();
    }

    /**
     * Creates the provider, or returns empty when it cannot work with this context (a keyed
     * provider without a key); it then stays unregistered.
     */
    Optional<ChatProvider> create(ProviderContext context);
}
