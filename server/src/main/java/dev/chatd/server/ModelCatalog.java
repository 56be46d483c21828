package dev.chatd.server;

import dev.chatd.api.ModelInfo;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.resilience.ModelAliases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Every registered provider's models, asked of the upstreams in parallel and cached briefly.
 * A provider that fails or is slow is left out of that listing (and asked again a little
 * later); it never fails the whole list.
 */
final class ModelCatalog {
    private static final Logger LOG = Logger.getLogger(ModelCatalog.class.getName());
    private static final long FRESH_NANOS = Duration.ofSeconds(60).toNanos();
    private static final long RETRY_FAILED_NANOS = Duration.ofSeconds(10).toNanos();
    private static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * A model with the provider that serves it, or an alias ({@code chatd.models}) with
     * {@value #ALIAS_OWNER} as its provider; {@code id()} is what a client sends to chatd.
     */
    record Listed(String provider, ModelInfo model, boolean alias) {
        Listed(String provider, ModelInfo model) {
            this(provider, model, false);
        }

        String id() {
            return alias ? model.id() : provider + "/" + model.id();
        }
    }

    /** Who owns an alias in a listing: chatd, which picks its model. */
    static final String ALIAS_OWNER = "chatd";

    private record Cached(List<ModelInfo> models, long expiresAt) {}

    private final ProviderRegistry registry;
    private final ModelAliases aliases;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    ModelCatalog(ProviderRegistry registry) {
        this(registry, ModelAliases.NONE);
    }

    ModelCatalog(ProviderRegistry registry, ModelAliases aliases) {
        this.registry = registry;
        this.aliases = aliases;
    }

    List<Listed> all() {
        Map<String, ChatProvider> providers = registry.activeProviders();
        Map<String, Future<List<ModelInfo>>> asks = new java.util.LinkedHashMap<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            long now = System.nanoTime();
            providers.forEach((name, provider) -> {
                Cached cached = cache.get(name);
                if (cached != null && now - cached.expiresAt() < 0) {
                    asks.put(name, java.util.concurrent.CompletableFuture.completedFuture(cached.models()));
                } else {
                    asks.put(name, executor.submit(() -> ask(name, provider)));
                }
            });
            List<Listed> listed = new ArrayList<>();
            // The aliases first: they are what the operator chose for the clients.
            aliases.targets()
                    .keySet()
                    .forEach(alias -> listed.add(new Listed(ALIAS_OWNER, new ModelInfo(alias, ALIAS_OWNER, 0), true)));
            long deadline = System.nanoTime() + WAIT.toNanos();
            asks.forEach((name, ask) -> {
                try {
                    for (ModelInfo model : ask.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        listed.add(new Listed(name, model));
                    }
                } catch (TimeoutException e) {
                    ask.cancel(true);
                    LOG.warning(
                            () -> "model list of " + name + " took longer than " + WAIT.toSeconds() + " s; left out");
                } catch (Exception e) {
                    LOG.warning(() -> "model list of " + name + " failed; left out");
                }
            });
            executor.shutdownNow();
            return listed;
        }
    }

    private List<ModelInfo> ask(String name, ChatProvider provider) {
        try {
            List<ModelInfo> models = List.copyOf(provider.models());
            cache.put(name, new Cached(models, System.nanoTime() + FRESH_NANOS));
            return models;
        } catch (RuntimeException e) { // ChatException, or a third-party provider bug
            LOG.warning(() -> "cannot list the models of " + name + ": " + e.getMessage());
            cache.put(name, new Cached(List.of(), System.nanoTime() + RETRY_FAILED_NANOS));
            return List.of();
        }
    }
}
