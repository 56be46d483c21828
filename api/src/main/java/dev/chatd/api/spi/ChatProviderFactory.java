package dev.chatd.api.spi;

import java.util.Optional;
import java.util.Set;

/**
 * Creates a {@link ChatProvider} from its configuration. Found with
 * {@link java.util.ServiceLoader}: a provider JAR lists its factories in
 * {@code META-INF/services/dev.chatd.api.spi.ChatProviderFactory}. Factories are stateless
 * and need a public no-argument constructor.
 *
 * <p>Every factory states the SPI version it was built for by implementing {@link #spiVersion()}
 * as {@code return SPI_VERSION;}: the constant is compiled into the factory's own class, so a
 * JAR built against another chatd says so, and the host refuses it with one log line instead
 * of failing later with a linkage error.
 */
public interface ChatProviderFactory {

    /**
     * The version of this SPI. It changes only when a change would break providers built
     * against an earlier one; additions arrive as {@code default} methods and keep it.
     *
     * @since 0.2
     */
    int SPI_VERSION = 1;

    /**
     * The SPI version this factory was compiled against: implement it as
     * {@code return SPI_VERSION;}.
     *
     * @since 0.2
     */
    int spiVersion();

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
     * Whether operators may declare providers of this kind in the configuration, each under a
     * name of its own with {@code type: <this factory's name>} and its own base URL and key
     * variable (an OpenAI-compatible endpoint: {@code groq}, {@code vllm}). Each declared name is
     * created with a context of its own and routes its own model prefix. A factory that allows
     * this is registered under its own name only when the configuration has a node of that name,
     * since it has no upstream of its own to default to. The default is false: only factories
     * that say so can be instantiated by name, so that a provider never runs against a base URL
     * it was not written for.
     *
     * @since 0.2
     */
    default boolean allowsDeclaredInstances() {
        return false;
    }

    /**
     * Creates the provider, or returns empty when it cannot work with this context (a keyed
     * provider without a key); it then stays unregistered.
     */
    Optional<ChatProvider> create(ProviderContext context);
}
