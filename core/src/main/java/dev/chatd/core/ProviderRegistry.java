package dev.chatd.core;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.api.spi.Secret;
import dev.chatd.core.transport.HelidonTransport;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The providers chatd can call, built once at start-up from the discovered factories and the
 * configuration. A provider is <em>registered</em> when it is created (it had a key, or needs
 * none) or configured but disabled; a provider whose key is missing stays unregistered, and a
 * request for it gets a 404 that says what to set.
 */
public final class ProviderRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ProviderRegistry.class.getName());

    /**
     * A routed request's provider and the model its upstream should see.
     *
     * @param hint what to say when the upstream does not know the model: set when the name went
     *     to the default provider but its first segment is a near miss of a provider's name
     *     ({@code openruoter/openai/gpt-4o}), since routing cannot tell a typo from an Ollama
     *     model such as {@code hf.co/org/model}
     */
    public record Route(ChatProvider provider, String upstreamModel, Optional<String> hint) {
        public Route {
            Objects.requireNonNull(hint, "hint");
        }

        public Route(ChatProvider provider, String upstreamModel) {
            this(provider, upstreamModel, Optional.empty());
        }

        /** {@code failure} as the caller should see it: a model-not-found gains the hint. */
        public ChatException explain(ChatException failure) {
            return failure instanceof ChatException.ModelNotFound && hint.isPresent()
                    ? new ChatException.ModelNotFound(failure.getMessage() + "; " + hint.get())
                    : failure;
        }
    }

    private sealed interface Entry {}

    private record Active(ChatProvider provider) implements Entry {}

    private record Disabled() implements Entry {}

    private record Unconfigured(String howToConfigure) implements Entry {}

    /**
     * What the registry is built from.
     *
     * @param upstream the limits of the upstream transport the registry makes and gives every provider
     */
    public record Settings(
            String defaultProvider,
            Duration timeout,
            Duration streamIdleTimeout,
            Map<String, ProviderSettings> providers,
            HelidonTransport.Settings upstream) {
        public Settings {
            providers = Map.copyOf(providers);
            Objects.requireNonNull(upstream, "upstream");
        }

        /** With the transport's default limits. */
        public Settings(
                String defaultProvider,
                Duration timeout,
                Duration streamIdleTimeout,
                Map<String, ProviderSettings> providers) {
            this(defaultProvider, timeout, streamIdleTimeout, providers, HelidonTransport.Settings.DEFAULTS);
        }
    }

    private final Map<String, Entry> entries;
    private final ModelRouter router;
    private final String defaultProvider;
    private final HelidonTransport transport;

    private ProviderRegistry(
            Map<String, Entry> entries, ModelRouter router, String defaultProvider, HelidonTransport transport) {
        this.entries = entries;
        this.router = router;
        this.defaultProvider = defaultProvider;
        this.transport = transport;
    }

    /**
     * Builds the registry. Besides one provider per factory, every configuration node with a
     * {@code type} declares a provider of that name made by the factory so named.
     *
     * @throws IllegalStateException when a node's {@code type} names no installed factory, a
     *     factory that does not allow declared instances, or a name a factory already has
     */
    public static ProviderRegistry build(List<ChatProviderFactory> factories, Settings settings, KeyResolver keys) {
        List<ChatProviderFactory> checked = ProviderDiscovery.checked(factories);
        Map<String, ChatProviderFactory> providers = providers(checked, settings.providers());
        // One transport for every provider: one connection pool, one reply budget; closed with the registry.
        HelidonTransport transport = HelidonTransport.create(settings.upstream());
        Map<String, Entry> entries = new LinkedHashMap<>();
        providers.forEach((name, factory) -> {
            ProviderSettings node = settings.providers().getOrDefault(name, ProviderSettings.DEFAULTS);
            Entry entry = entryFor(name, factory, node, settings, keys, transport);
            entries.put(name, entry);
            String kind = name.equals(factory.name()) ? "" : " (type " + factory.name() + ")";
            switch (entry) {
                case Active a -> LOG.info(() -> "provider " + name + kind + ": registered");
                case Disabled d -> LOG.info(() -> "provider " + name + kind + ": disabled by configuration");
                case Unconfigured u ->
                    LOG.info(() -> "provider " + name + kind + ": not registered; " + u.howToConfigure());
            }
        });
        for (String configured : new TreeMap<>(settings.providers()).keySet()) {
            if (!entries.containsKey(configured)) {
                LOG.warning(() -> "configuration names provider '" + configured
                        + "' but no provider JAR on the class path provides it; installed: " + entries.keySet());
            }
        }
        if (!entries.containsKey(settings.defaultProvider())) {
            LOG.warning(() -> "default provider '" + settings.defaultProvider()
                    + "' is not installed; model names without a provider prefix will get 404");
        }
        return new ProviderRegistry(
                entries, new ModelRouter(providers, settings.defaultProvider()), settings.defaultProvider(), transport);
    }

    /**
     * Every provider name and the factory that makes it: each factory under its own name (one
     * that allows declared instances only when configured under it), then each node declared
     * with a {@code type}.
     */
    private static Map<String, ChatProviderFactory> providers(
            List<ChatProviderFactory> factories, Map<String, ProviderSettings> nodes) {
        Map<String, ChatProviderFactory> byName = new LinkedHashMap<>();
        for (ChatProviderFactory factory : factories) {
            byName.put(factory.name(), factory);
        }
        Map<String, ChatProviderFactory> providers = new LinkedHashMap<>();
        for (ChatProviderFactory factory : factories) {
            ProviderSettings own = nodes.get(factory.name());
            if (!declaresInstances(factory) || (own != null && own.type() == null)) {
                providers.put(factory.name(), factory);
            }
        }
        for (Map.Entry<String, ProviderSettings> node : new TreeMap<>(nodes).entrySet()) {
            String name = node.getKey();
            String type = node.getValue().type();
            if (type == null) {
                continue;
            }
            ChatProviderFactory factory = byName.get(type);
            if (factory == null) {
                throw new IllegalStateException("chatd.providers." + name + ".type is '" + type
                        + "', but no installed provider is named that; installed: " + byName.keySet());
            }
            if (!declaresInstances(factory)) {
                throw new IllegalStateException("chatd.providers." + name + ".type is '" + type + "', but provider '"
                        + type + "' cannot be declared under another name; types that can: "
                        + byName.values().stream()
                                .filter(ProviderRegistry::declaresInstances)
                                .map(ChatProviderFactory::name)
                                .toList());
            }
            if (byName.containsKey(name)) {
                throw new IllegalStateException("chatd.providers." + name + " declares a provider of type '" + type
                        + "', but '" + name + "' is already an installed provider's name; choose another name");
            }
            providers.put(name, factory);
        }
        return providers;
    }

    private static boolean declaresInstances(ChatProviderFactory factory) {
        try {
            return factory.allowsDeclaredInstances();
        } catch (RuntimeException | LinkageError e) {
            // Built before 0.2 without the default method, or broken: it declares none.
            return false;
        }
    }

    private static Entry entryFor(
            String name,
            ChatProviderFactory factory,
            ProviderSettings node,
            Settings global,
            KeyResolver keys,
            HelidonTransport transport) {
        if (!node.enabled()) {
            return new Disabled();
        }
        ProviderDefaults defaults;
        try {
            defaults = factory.defaults();
        } catch (RuntimeException | LinkageError e) {
            return failed(name, e);
        }
        String keyEnv = node.keyEnv() != null ? node.keyEnv() : defaults.keyEnv();
        Path keyFile = node.keyFile() != null
                ? (node.keyFile().toString().isEmpty() ? null : node.keyFile())
                : defaults.keyFile();
        boolean needsKey = defaults.needsKey() || node.keyEnv() != null;
        Optional<Secret> key = needsKey ? keys.resolve(keyEnv, defaults.keyEnv(), keyFile) : Optional.empty();
        String howToConfigure = "set " + keyEnv + (keyFile == null ? "" : " or put " + keyEnv + "=<key> in " + keyFile);
        if (needsKey && key.isEmpty()) {
            return new Unconfigured(howToConfigure);
        }
        URI baseUrl = node.baseUrl() != null ? node.baseUrl() : defaults.baseUrl();
        Duration timeout = node.timeout() != null ? node.timeout() : global.timeout();
        Duration idle = node.streamIdleTimeout() != null ? node.streamIdleTimeout() : global.streamIdleTimeout();
        ProviderContext context =
                new Context(name, baseUrl, key, timeout, idle, node.headers(), node.settings(), transport);
        try {
            return factory.create(context)
                    .<Entry>map(Active::new)
                    .orElseGet(() ->
                            new Unconfigured(needsKey ? howToConfigure : "its factory declined the configuration"));
        } catch (RuntimeException | LinkageError e) {
            return failed(name, e);
        }
    }

    /**
     * A factory that threw stays unregistered; the others go on. A LinkageError (say
     * NoSuchMethodError) means its JAR was built against another version of chatd; other
     * Errors (out of memory) are not a provider's fault and are not caught.
     */
    private static Entry failed(String name, Throwable e) {
        String why = e instanceof LinkageError
                ? " (its JAR was built against another version of chatd: rebuild it against this one)"
                : "";
        LOG.log(
                Level.WARNING,
                "provider " + name + " failed to start: " + ProviderDiscovery.describe(e) + why
                        + "; it stays unregistered");
        return new Unconfigured("it failed to start (see the start-up log)");
    }

    private record Context(
            String name,
            URI baseUrl,
            Optional<Secret> key,
            Duration timeout,
            Duration streamIdleTimeout,
            Map<String, String> headers,
            Map<String, String> settings,
            HelidonTransport transport)
            implements ProviderContext {
        @Override
        public String toString() {
            return "ProviderContext[" + name + ", " + baseUrl + "]";
        }
    }

    /**
     * The provider and upstream model for a model name.
     *
     * @throws ChatException.ProviderNotFound when no registered provider serves it
     * @throws ChatException.ProviderDisabled when its provider is switched off
     */
    public Route route(String model) {
        ModelRouter.Target target = router.route(model);
        Entry entry = entries.get(target.provider());
        return switch (entry) {
            case Active a -> new Route(a.provider(), target.upstreamModel(), prefixHint(model, target));
            case Disabled d ->
                throw new ChatException.ProviderDisabled("provider '" + target.provider()
                        + "' is disabled (chatd.providers." + target.provider() + ".enabled is false)");
            case Unconfigured u ->
                throw new ChatException.ProviderNotFound(
                        "provider '" + target.provider() + "' is not configured for model '" + model + "': "
                                + u.howToConfigure() + ", then restart chatd");
            case null ->
                throw new ChatException.ProviderNotFound("no provider serves model '" + model
                        + "': the default provider '" + defaultProvider
                        + "' is not installed; prefix the model with one of "
                        + prefixes());
        };
    }

    /**
     * For a name that reached the default provider unchanged: whether its first segment looks like
     * a misspelt provider name, known to chatd whether configured or not. Ignoring case, at most
     * two edits away, one for a segment of four letters or fewer (so {@code ai/...} is not
     * {@code kimi}).
     */
    private Optional<String> prefixHint(String model, ModelRouter.Target target) {
        int slash = model.indexOf('/');
        if (slash <= 0
                || !target.provider().equals(defaultProvider)
                || !target.upstreamModel().equals(model)) {
            return Optional.empty();
        }
        String typed = model.substring(0, slash);
        return NearestName.among(typed, entries.keySet(), typed.length() <= 4 ? 1 : 2)
                .map(name ->
                        "did you mean '" + name + model.substring(slash) + "'? ('" + typed + "' is not a provider)");
    }

    private List<String> prefixes() {
        List<String> prefixes = new ArrayList<>();
        entries.forEach((name, entry) -> {
            if (entry instanceof Active) {
                prefixes.add(name + "/");
            }
        });
        return prefixes;
    }

    /** The registered providers' names, sorted: created ones and disabled ones. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        entries.forEach((name, entry) -> {
            if (!(entry instanceof Unconfigured)) {
                names.add(name);
            }
        });
        names.sort(null);
        return names;
    }

    /** Every provider name chatd knows, registered or not, sorted: each is a model-name prefix. */
    public List<String> knownNames() {
        List<String> names = new ArrayList<>(entries.keySet());
        names.sort(null);
        return names;
    }

    /** The providers that take requests now (registered and enabled), by name, sorted. */
    public Map<String, ChatProvider> activeProviders() {
        Map<String, ChatProvider> active = new TreeMap<>();
        entries.forEach((name, entry) -> {
            if (entry instanceof Active a) {
                active.put(name, a.provider());
            }
        });
        return active;
    }

    /** Whether the named provider is registered, enabled and up; false for any other name. */
    public boolean available(String name) {
        return entries.get(name) instanceof Active a && a.provider().available();
    }

    @Override
    public void close() {
        entries.values().forEach(entry -> {
            if (entry instanceof Active a) {
                try {
                    a.provider().close();
                } catch (RuntimeException | LinkageError e) {
                    LOG.log(Level.WARNING, "provider " + a.provider().name() + " failed to close", e);
                }
            }
        });
        transport.close();
    }
}
