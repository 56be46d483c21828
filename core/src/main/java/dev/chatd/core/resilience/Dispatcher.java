package dev.chatd.core.resilience;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import dev.chatd.core.ProviderRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Routes around failure: calls the provider for a model, or each target of an alias in turn,
 * with retries, a circuit breaker and a concurrency limit per provider. Everything happens
 * before the first byte reaches the client: a stream is retried only while it is being opened.
 *
 * <p>Of Helidon's fault-tolerance module, the {@link io.helidon.faulttolerance.CircuitBreaker}
 * fits and is used ({@link ProviderCircuit}). Its {@code Retry} does not: its retry policy sees
 * the attempt number and delays but never the exception, so it cannot honour a 429's
 * {@code Retry-After} nor tell a 503 (retry) from a 500 (do not), which carry the same exception
 * class; nor can it stop before a wait that would overrun the deadline. Its {@code Bulkhead}
 * does not either: it frees a place when the supplier returns, so a stream would give its place
 * back while still running, and its queue waits without a time limit ({@link ProviderPermits}).
 */
public final class Dispatcher {
    /** One call of a provider with a routed model; the server's codec work goes in here. */
    @FunctionalInterface
    public interface Attempt<T> {
        T call(ProviderRegistry.Route route);
    }

    /**
     * What served a request.
     *
     * @param provider the provider that served it
     * @param upstreamModel the model its upstream was asked for
     * @param attempts the upstream calls made, over every target
     * @param fallbacks the targets given up before it, in order ({@code provider/model}); empty
     *     for a request that was not for an alias or was served by its first target
     */
    public record Served<T>(T value, String provider, String upstreamModel, int attempts, List<String> fallbacks) {
        public Served {
            fallbacks = List.copyOf(fallbacks);
        }
    }

    /**
     * What a dispatcher is built from.
     *
     * @param policies per provider name; a provider not named gets {@code defaults}
     */
    public record Settings(ModelAliases aliases, ProviderPolicy defaults, Map<String, ProviderPolicy> policies) {
        public Settings {
            Objects.requireNonNull(aliases, "aliases");
            Objects.requireNonNull(defaults, "defaults");
            policies = Map.copyOf(policies);
        }
    }

    private final ProviderRegistry registry;
    private final Settings settings;
    private final ResilienceEvents events;
    private final Map<String, ProviderCircuit> circuits = new ConcurrentHashMap<>();
    private final Map<String, ProviderPermits> permits = new ConcurrentHashMap<>();

    public Dispatcher(ProviderRegistry registry, Settings settings, ResilienceEvents events) {
        this.registry = registry;
        this.settings = settings;
        this.events = events;
        // Every registered provider has its circuit from the start, so that its state can be read.
        registry.activeProviders().keySet().forEach(this::circuit);
    }

    public ModelAliases aliases() {
        return settings.aliases();
    }

    /**
     * Where a request for {@code model} goes first, for what needs a provider before calling it
     * (a reply made without the upstream): an alias's first target that routes.
     *
     * @throws ChatException the routing failure of the model, or of an alias's last target
     */
    public ProviderRegistry.Route route(String model) {
        ChatException last = null;
        for (String target : settings.aliases().resolve(model)) {
            try {
                return registry.route(target);
            } catch (ChatException.ProviderNotFound | ChatException.ProviderDisabled e) {
                last = e;
            }
        }
        throw Objects.requireNonNull(last);
    }

    /** Each provider's circuit now, by name: {@code closed}, {@code open} or {@code half_open}. */
    public Map<String, String> circuitStates() {
        Map<String, String> states = new TreeMap<>();
        circuits.forEach((name, circuit) -> states.put(name, circuit.state()));
        return states;
    }

    /** Calls the provider for {@code model} for a whole reply. */
    public <T> Served<T> call(String model, Attempt<T> attempt) {
        return dispatch(model, (route, permit) -> {
            try (permit) {
                return attempt.call(route);
            }
        });
    }

    /**
     * Opens the provider's stream for {@code model}. The provider's place under its concurrency
     * limit is held until the stream is closed.
     */
    public Served<ChatStream> stream(String model, Attempt<ChatStream> attempt) {
        return dispatch(model, (route, permit) -> {
            try {
                return new PermitStream(attempt.call(route), permit);
            } catch (RuntimeException | Error e) {
                permit.close();
                throw e;
            }
        });
    }

    private interface Held<T> {
        T call(ProviderRegistry.Route route, ProviderPermits.Permit permit);
    }

    private <T> Served<T> dispatch(String model, Held<T> held) {
        List<String> targets = settings.aliases().resolve(model);
        boolean alias = settings.aliases().isAlias(model);
        List<String> given = new ArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        ChatException last = null;
        for (int i = 0; i < targets.size(); i++) {
            String target = targets.get(i);
            String next = i + 1 < targets.size() ? targets.get(i + 1) : null;
            ProviderRegistry.Route route;
            try {
                route = registry.route(target);
            } catch (ChatException.ProviderNotFound | ChatException.ProviderDisabled e) {
                if (!alias) {
                    throw e;
                }
                last = e;
                given.add(target);
                fellBack(model, target, next, Failure.of(e).reason());
                continue;
            }
            String provider = route.provider().name();
            ProviderPolicy policy = settings.policies().getOrDefault(provider, settings.defaults());
            ProviderCircuit circuit = circuit(provider);
            String reason;
            if (circuit.refusing()) {
                last = circuit.unavailable();
                reason = "circuit_open";
            } else {
                try {
                    // The circuit counts each request once, after its retries: retries must not trip it.
                    T value = circuit.invoke(() -> withRetries(route, policy, held, attempts));
                    return new Served<>(value, provider, route.upstreamModel(), attempts.get(), given);
                } catch (Full e) {
                    last = e.refusal;
                    reason = "concurrency_limit";
                } catch (ChatException e) {
                    Failure failure = Failure.of(e);
                    if (failure.kind() == Failure.Kind.CALLER) {
                        throw e;
                    }
                    last = e;
                    reason = failure.reason();
                }
            }
            given.add(target);
            fellBack(model, target, next, reason);
        }
        Objects.requireNonNull(last);
        if (alias && targets.size() > 1) {
            throw Failure.withMessage(
                    last,
                    "all " + targets.size() + " targets of alias '" + model + "' failed; last: " + last.getMessage());
        }
        throw last;
    }

    /**
     * Calls one target, again after each retryable failure while attempts and the deadline last.
     *
     * @throws Full when the provider had no free place in time
     * @throws ChatException the last failure
     */
    private <T> T withRetries(
            ProviderRegistry.Route route, ProviderPolicy policy, Held<T> held, AtomicInteger attempts) {
        String provider = route.provider().name();
        ProviderPermits places = permits(provider, policy);
        long deadline = System.nanoTime() + policy.deadline().toNanos();
        for (int attempt = 1; ; attempt++) {
            ProviderPermits.Permit permit = places.acquire().orElseThrow(() -> new Full(places.full()));
            attempts.incrementAndGet();
            try {
                return held.call(route, permit);
            } catch (ChatException e) {
                permit.close();
                Failure failure = Failure.of(e);
                Duration wait = retryWait(failure, policy.retry(), attempt);
                if (wait == null || System.nanoTime() + wait.toNanos() >= deadline) {
                    throw e;
                }
                events.retried(provider, failure.reason());
                sleep(wait, provider);
            }
        }
    }

    /** The provider's concurrency limit refused a call: move on to an alias's next target. */
    private static final class Full extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final transient ChatException.RateLimited refusal;

        Full(ChatException.RateLimited refusal) {
            super(refusal.getMessage(), null, false, false);
            this.refusal = refusal;
        }
    }

    /** The wait before calling again after {@code failure}, or null not to call again. */
    private static Duration retryWait(Failure failure, RetrySettings retry, int attempt) {
        if (attempt >= retry.maxAttempts()) {
            return null;
        }
        return switch (failure.kind()) {
            case RETRY -> retry.backoff(attempt, ThreadLocalRandom.current().nextDouble());
            // Only the upstream knows when it takes calls again: without its word, or when it asks
            // for longer than chatd ever waits between calls, its 429 goes to the caller.
            case RATE_LIMITED ->
                failure.retryAfter()
                        .filter(wait -> wait.compareTo(retry.maxBackoff()) <= 0)
                        .orElse(null);
            case CALLER, FAIL, SKIP -> null;
        };
    }

    private void fellBack(String alias, String from, String to, String reason) {
        if (to != null) {
            events.fellBack(alias, from, to, reason);
        }
    }

    private static void sleep(Duration wait, String provider) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException.UpstreamFailure("interrupted while waiting to call " + provider + " again");
        }
    }

    private ProviderCircuit circuit(String provider) {
        return circuits.computeIfAbsent(
                provider,
                name -> new ProviderCircuit(
                        name,
                        settings.policies()
                                .getOrDefault(name, settings.defaults())
                                .circuit(),
                        events));
    }

    private ProviderPermits permits(String provider, ProviderPolicy policy) {
        return permits.computeIfAbsent(provider, name -> new ProviderPermits(name, policy.concurrency()));
    }

    /** A stream that gives its provider's place back when closed. */
    private record PermitStream(ChatStream stream, ProviderPermits.Permit permit) implements ChatStream {
        @Override
        public boolean hasNext() {
            return stream.hasNext();
        }

        @Override
        public ChatChunk next() {
            return stream.next();
        }

        @Override
        public void close() {
            try {
                stream.close();
            } finally {
                permit.close();
            }
        }
    }
}
