package dev.chatd.server;

import dev.chatd.api.Usage;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionStatisticsConfig;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * chatd's metrics, in Helidon's meter registry, which {@code /observe/metrics} shows
 * in Prometheus's text format. The request metrics follow the OpenTelemetry GenAI semantic
 * conventions (names, attributes, explicit bucket boundaries); {@code chatd.*} are chatd's own.
 * Every request is recorded once, at its end, from its {@link AccessLog.Entry}; other parts
 * call {@link #retried} and {@link #fellBack}. Label values are provider names, model names
 * (bounded), ingress and client names, statuses and error types: never a key or a token.
 */
public final class ChatdMetrics {
    /** OpenTelemetry's boundaries for {@code gen_ai.server.request.duration}, in seconds. */
    static final double[] DURATION_BUCKETS = {
        0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
    };
    /** OpenTelemetry's boundaries for {@code gen_ai.server.time_to_first_token}, in seconds. */
    static final double[] FIRST_TOKEN_BUCKETS = {
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
    };
    /** OpenTelemetry's boundaries for {@code gen_ai.client.token.usage}, in tokens. */
    static final double[] TOKEN_BUCKETS = {
        1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
    };
    /** chatd's own time per request: from 50 µs (a mock reply) to a second (something is wrong). */
    static final double[] OVERHEAD_BUCKETS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0
    };

    /** The model label of models past {@code chatd.metrics.max-models}. */
    static final String OTHER = "other";
    /** The client label of requests without a named token. */
    static final String ANONYMOUS = "anonymous";
    /** The provider label of requests that never reached one (an unknown model). */
    static final String NO_PROVIDER = "none";

    public static final int DEFAULT_MAX_MODELS = 100;

    private final MeterRegistry registry;
    private final int maxModels;
    private final Set<String> models = ConcurrentHashMap.newKeySet();
    private final AtomicInteger streams = new AtomicInteger();
    private final Map<List<String>, Object> meters = new ConcurrentHashMap<>();
    private volatile Supplier<Map<String, String>> circuitStates;
    private final List<Meter> gauges = new ArrayList<>();

    /**
     * @param providers the providers whose circuit state is shown
     * @param circuitStates provider name to {@code closed}, {@code half_open} or {@code open}
     */
    ChatdMetrics(int maxModels, Collection<String> providers, Supplier<Map<String, String>> circuitStates) {
        // Helidon's global registry: the one it backs with Micrometer's Prometheus registry. A registry
        // of one's own (createMeterRegistry) shares Micrometer's global composite anyway.
        this.registry = Metrics.globalRegistry();
        this.maxModels = maxModels;
        this.circuitStates = circuitStates;
        gauges.add(registry.getOrCreate(Gauge.builder("chatd.streams.active", streams::get)
                .description("Streams being relayed to clients now")));
        for (String provider : providers) {
            gauges.add(registry.getOrCreate(Gauge.builder("chatd.circuit.state", () -> circuitValue(provider))
                    .description("Circuit of each provider: 0 closed, 1 half-open, 2 open")
                    .addTag(Tag.create("gen_ai.provider.name", provider))));
        }
    }

    /** Removes this server's gauges, which read its state, from the registry the JVM shares. */
    void close() {
        gauges.forEach(registry::remove);
    }

    /** Every provider's circuit closed: the state until circuit breakers say otherwise. */
    static Supplier<Map<String, String>> allClosed(Collection<String> providers) {
        Map<String, String> closed = new ConcurrentHashMap<>();
        providers.forEach(name -> closed.put(name, "closed"));
        return () -> closed;
    }

    MeterRegistry registry() {
        return registry;
    }

    /** Where the circuit states come from from now on: provider name to {@code closed}, {@code half_open} or {@code open}. */
    public void circuitStates(Supplier<Map<String, String>> states) {
        this.circuitStates = states;
    }

    /** Each provider's circuit state now, for the readiness details. */
    Map<String, String> circuitStates() {
        return circuitStates.get();
    }

    private int circuitValue(String provider) {
        return switch (circuitStates.get().getOrDefault(provider, "closed")) {
            case "open" -> 2;
            case "half_open", "half-open" -> 1;
            default -> 0;
        };
    }

    /** A call to {@code provider} is tried again, for {@code reason} (such as {@code 503} or {@code connect}). */
    public void retried(String provider, String reason) {
        counter("chatd.retries", "Upstream calls tried again", "gen_ai.provider.name", provider, "chatd.reason", reason)
                .increment();
    }

    /** A request for {@code alias} went on from target {@code from} to {@code to}. */
    public void fellBack(String alias, String from, String to) {
        counter("chatd.fallbacks", "Fallbacks taken", "chatd.alias", alias, "chatd.from", from, "chatd.to", to)
                .increment();
    }

    void streamOpened() {
        streams.incrementAndGet();
    }

    void streamClosed() {
        streams.decrementAndGet();
    }

    /**
     * Records a chat request at its end.
     *
     * @param totalNanos from the request's arrival to its last byte
     * @param upstreamNanos of which spent waiting on upstreams
     */
    void requestEnded(AccessLog.Entry entry, int status, long totalNanos, long upstreamNanos) {
        String ingress = entry.ingress();
        if (ingress == null) {
            return; // not a chat request: listings, health and refusals before a chat route are the access log's
        }
        String provider = entry.providerName() == null ? NO_PROVIDER : entry.providerName();
        String model = boundedModel(entry.modelName());
        String error = entry.errorType(status);
        String client = entry.client() == null ? ANONYMOUS : entry.client();
        counter(
                        "chatd.requests",
                        "Chat requests by ingress, provider, status and client",
                        "chatd.ingress",
                        ingress,
                        "gen_ai.provider.name",
                        provider,
                        "http.response.status_code",
                        Integer.toString(status),
                        "chatd.client",
                        client)
                .increment();
        // Prometheus wants one set of label names per metric: a success's error.type is empty,
        // which PromQL reads as no label at all.
        List<String> genAi = List.of(
                "gen_ai.operation.name",
                "chat",
                "gen_ai.provider.name",
                provider,
                "gen_ai.request.model",
                model,
                "error.type",
                error == null ? "" : error);
        summary("gen_ai.server.request.duration", "seconds", DURATION_BUCKETS, "Chat request duration", genAi)
                .record(totalNanos / 1e9);
        long firstChunk = entry.firstChunkNanos();
        if (error == null && firstChunk > 0) {
            summary(
                            "gen_ai.server.time_to_first_token",
                            "seconds",
                            FIRST_TOKEN_BUCKETS,
                            "Time to the first chunk of a stream",
                            genAi)
                    .record(firstChunk / 1e9);
        }
        Usage usage = entry.usage();
        if (usage != null && usage.totalTokens() > 0) {
            tokens(provider, model, "input", usage.promptTokens());
            tokens(provider, model, "output", usage.completionTokens());
            if (usage.cachedTokens() != null) {
                tokens(provider, model, "cached_input", usage.cachedTokens());
            }
            if (usage.reasoningTokens() != null) {
                tokens(provider, model, "reasoning_output", usage.reasoningTokens());
            }
        }
        summary(
                        "chatd.overhead",
                        "seconds",
                        OVERHEAD_BUCKETS,
                        "Time spent in chatd, without waiting on upstreams",
                        List.of("chatd.ingress", ingress, "gen_ai.provider.name", provider))
                .record(Math.max(0, totalNanos - upstreamNanos) / 1e9);
    }

    private void tokens(String provider, String model, String type, int count) {
        summary(
                        "gen_ai.client.token.usage",
                        null,
                        TOKEN_BUCKETS,
                        "Tokens used, by type",
                        List.of(
                                "gen_ai.operation.name",
                                "chat",
                                "gen_ai.provider.name",
                                provider,
                                "gen_ai.request.model",
                                model,
                                "gen_ai.token.type",
                                type))
                .record(count);
    }

    /** The model as a label: itself among the first {@code max-models} seen, {@value #OTHER} after. */
    String boundedModel(String model) {
        if (model == null || model.isEmpty()) {
            return NO_PROVIDER;
        }
        if (models.contains(model)) {
            return model;
        }
        synchronized (models) {
            if (models.size() < maxModels) {
                models.add(model);
                return model;
            }
        }
        return OTHER;
    }

    private Counter counter(String name, String description, String... tags) {
        List<String> key = key(name, List.of(tags));
        return (Counter) meters.computeIfAbsent(
                key,
                k -> registry.getOrCreate(
                        Counter.builder(name).description(description).tags(tags(List.of(tags)))));
    }

    private DistributionSummary summary(
            String name, String unit, double[] buckets, String description, List<String> tags) {
        return (DistributionSummary) meters.computeIfAbsent(key(name, tags), k -> {
            DistributionSummary.Builder builder = DistributionSummary.builder(
                            name,
                            // Buckets only: Helidon's default adds six client-side quantiles, which
                            // cost every request a time-windowed histogram and that Prometheus
                            // computes from the buckets anyway.
                            DistributionStatisticsConfig.builder()
                                    .buckets(buckets)
                                    .percentiles(new double[0]))
                    .description(description)
                    .tags(tags(tags));
            if (unit != null) {
                builder.baseUnit(unit);
            }
            return registry.getOrCreate(builder);
        });
    }

    private static List<String> key(String name, List<String> tags) {
        String[] key = new String[tags.size() + 1];
        key[0] = name;
        for (int i = 0; i < tags.size(); i++) {
            key[i + 1] = tags.get(i);
        }
        return List.of(key);
    }

    private static List<Tag> tags(List<String> pairs) {
        Tag[] tags = new Tag[pairs.size() / 2];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = Tag.create(pairs.get(2 * i), pairs.get(2 * i + 1));
        }
        return List.of(tags);
    }
}
