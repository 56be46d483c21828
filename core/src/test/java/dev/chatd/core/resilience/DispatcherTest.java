package dev.chatd.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.FinishReason;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.ProviderSettings;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private static final RetrySettings FAST_RETRY = new RetrySettings(3, Duration.ofMillis(1), Duration.ofMillis(4));
    private static final CircuitSettings LENIENT = new CircuitSettings(100, 1000, Duration.ofSeconds(30), 1);
    private static final ProviderPolicy DEFAULTS =
            new ProviderPolicy(FAST_RETRY, LENIENT, ConcurrencyLimit.NONE, Duration.ofSeconds(10));

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final ResilienceEvents recorder = new ResilienceEvents() {
        @Override
        public void retried(String provider, String reason) {
            events.add("retried " + provider + " " + reason);
        }

        @Override
        public void fellBack(String alias, String from, String to, String reason) {
            events.add("fell back " + alias + " " + from + " -> " + to + " " + reason);
        }

        @Override
        public void circuitChanged(String provider, String state) {
            events.add("circuit " + provider + " " + state);
        }
    };
    private ProviderRegistry registry;

    /** A provider that does nothing itself: each test's attempt plays its upstream. */
    record Stub(String name) implements ChatProvider {
        @Override
        public ChatResponse chat(ChatRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean available() {
            return true;
        }
    }

    /** Makes a {@link Stub}; one with a {@code keyEnv} needs a key, and none is set: it stays unregistered. */
    record StubFactory(String name, String keyEnv) implements ChatProviderFactory {
        StubFactory(String name) {
            this(name, null);
        }

        @Override
        public int spiVersion() {
            return SPI_VERSION;
        }

        @Override
        public ProviderDefaults defaults() {
            return keyEnv == null
                    ? ProviderDefaults.keyless("http://127.0.0.1:1")
                    : new ProviderDefaults(java.net.URI.create("http://127.0.0.1:1"), keyEnv, null);
        }

        @Override
        public Optional<ChatProvider> create(ProviderContext context) {
            return Optional.of(new Stub(name));
        }
    }

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    private Dispatcher dispatcher(Map<String, List<String>> aliases, Map<String, ProviderPolicy> policies) {
        Map<String, ProviderSettings> nodes = new HashMap<>();
        nodes.put("off", new ProviderSettings(false, null, null, null, null, null, Map.of(), Map.of()));
        registry = ProviderRegistry.build(
                List.of(
                        new StubFactory("a"),
                        new StubFactory("b"),
                        new StubFactory("off"),
                        new StubFactory("keyless", "KEYLESS_TEST_KEY")),
                new ProviderRegistry.Settings("a", Duration.ofSeconds(10), Duration.ofSeconds(10), nodes),
                new KeyResolver(name -> null));
        return new Dispatcher(
                registry,
                new Dispatcher.Settings(ModelAliases.checked(aliases, registry.knownNames()), DEFAULTS, policies),
                recorder);
    }

    /** Answers with each of {@code script} in turn (a ChatException is thrown), then "ok" for ever; counts calls by provider. */
    static final class Upstream implements Dispatcher.Attempt<String> {
        final Map<String, AtomicInteger> calls = new HashMap<>();
        final Map<String, List<Object>> scripts = new HashMap<>();

        Upstream on(String provider, Object... script) {
            scripts.put(provider, new ArrayList<>(List.of(script)));
            return this;
        }

        int calls(String provider) {
            return calls.getOrDefault(provider, new AtomicInteger()).get();
        }

        @Override
        public synchronized String call(ProviderRegistry.Route route) {
            String provider = route.provider().name();
            calls.computeIfAbsent(provider, p -> new AtomicInteger()).incrementAndGet();
            List<Object> script = scripts.getOrDefault(provider, new ArrayList<>());
            Object next = script.isEmpty() ? "ok from " + provider + " " + route.upstreamModel() : script.remove(0);
            if (next instanceof ChatException e) {
                throw e;
            }
            return (String) next;
        }
    }

    private static ChatException http(int status) {
        return new ChatException.UpstreamFailure("HTTP " + status, status);
    }

    @Test
    void a503IsRetriedUntilItSucceeds() {
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of());
        Upstream upstream = new Upstream().on("a", http(503), http(503));

        Dispatcher.Served<String> served = dispatcher.call("a/m", upstream);

        assertThat(served.value()).isEqualTo("ok from a m");
        assertThat(served.attempts()).isEqualTo(3);
        assertThat(upstream.calls("a")).isEqualTo(3);
        assertThat(events).containsExactly("retried a http_503", "retried a http_503");
    }

    @Test
    void attemptsAreBoundedAndTheLastFailureReachesTheCaller() {
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of());
        Upstream upstream = new Upstream().on("a", http(502), http(502), http(504), http(502));

        assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).hasMessage("HTTP 504");
        assertThat(upstream.calls("a")).isEqualTo(3);
    }

    @Test
    void aRefusedConnectionIsRetried() {
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of());
        Upstream upstream = new Upstream()
                .on("a", new ChatException.UpstreamFailure("refused", new ConnectException("Connection refused")));

        assertThat(dispatcher.call("a/m", upstream).attempts()).isEqualTo(2);
    }

    @Test
    void callerFaultsAnd500sAreNotRetried() {
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of());
        for (ChatException failure : List.of(
                new ChatException.UpstreamBadRequest("400"),
                new ChatException.UpstreamAuth("401"),
                new ChatException.ModelNotFound("404"),
                http(500),
                new ChatException.UpstreamFailure("nonsense"))) {
            Upstream upstream = new Upstream().on("a", failure);
            assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).isSameAs(failure);
            assertThat(upstream.calls("a")).as(failure.getMessage()).isEqualTo(1);
        }
    }

    @Test
    void a429IsRetriedOnlyWhenItsRetryAfterFitsTheDeadline() {
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of());
        Upstream soon = new Upstream().on("a", new ChatException.RateLimited("slow down", "0"));
        assertThat(dispatcher.call("a/m", soon).attempts()).isEqualTo(2);

        ChatException later = new ChatException.RateLimited("slow down", "3600");
        Upstream upstream = new Upstream().on("a", later);
        assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).isSameAs(later);
        assertThat(upstream.calls("a")).isEqualTo(1);

        ChatException unsaid = new ChatException.RateLimited("slow down", null);
        Upstream silent = new Upstream().on("a", unsaid);
        assertThatThrownBy(() -> dispatcher.call("a/m", silent)).isSameAs(unsaid);
    }

    @Test
    void a429AskingForMoreThanTheLongestBackoffGoesToTheCaller() {
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of());
        ChatException later = new ChatException.RateLimited("slow down", "1");
        Upstream upstream = new Upstream().on("a", later);

        assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).isSameAs(later);
        assertThat(upstream.calls("a")).isEqualTo(1);
    }

    @Test
    void aRequestCountsOnceInTheCircuitWhateverItsRetries() {
        ProviderPolicy policy = new ProviderPolicy(
                FAST_RETRY,
                new CircuitSettings(100, 2, Duration.ofSeconds(30), 1),
                ConcurrencyLimit.NONE,
                Duration.ofSeconds(10));
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of("a", policy));
        Upstream upstream = new Upstream().on("a", http(503), http(503), http(503));

        assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).hasMessage("HTTP 503");

        assertThat(dispatcher.circuitStates()).containsEntry("a", "closed");
        assertThat(dispatcher.call("a/m", upstream).value()).isEqualTo("ok from a m");
    }

    @Test
    void aRetryThatWouldOverrunTheDeadlineIsNotMade() {
        ProviderPolicy slow = new ProviderPolicy(
                new RetrySettings(5, Duration.ofSeconds(2), Duration.ofSeconds(2)),
                LENIENT,
                ConcurrencyLimit.NONE,
                Duration.ofMillis(500));
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of("a", slow));
        Upstream upstream = new Upstream().on("a", http(503));

        assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).hasMessage("HTTP 503");
        assertThat(upstream.calls("a")).isEqualTo(1);
    }

    @Test
    void anAliasFallsBackInOrderAndSaysWhatServed() {
        Dispatcher dispatcher = dispatcher(Map.of("coder", List.of("a/one", "b/two")), Map.of());
        Upstream upstream = new Upstream().on("a", http(503), http(503), http(503));

        Dispatcher.Served<String> served = dispatcher.call("coder", upstream);

        assertThat(served.value()).isEqualTo("ok from b two");
        assertThat(served.provider()).isEqualTo("b");
        assertThat(served.upstreamModel()).isEqualTo("two");
        assertThat(served.attempts()).isEqualTo(4);
        assertThat(served.fallbacks()).containsExactly("a/one");
        assertThat(events).contains("fell back coder a/one -> b/two http_503");
    }

    @Test
    void anAliasSkipsUnregisteredAndDisabledProviders() {
        Dispatcher dispatcher = dispatcher(Map.of("coder", List.of("keyless/x", "off/y", "b/two")), Map.of());
        Upstream upstream = new Upstream();

        Dispatcher.Served<String> served = dispatcher.call("coder", upstream);

        assertThat(served.provider()).isEqualTo("b");
        assertThat(served.attempts()).isEqualTo(1);
        assertThat(served.fallbacks()).containsExactly("keyless/x", "off/y");
    }

    @Test
    void aCallerFaultEndsAnAliasRequestWithoutFallingBack() {
        Dispatcher dispatcher = dispatcher(Map.of("coder", List.of("a/one", "b/two")), Map.of());
        ChatException tooLong = new ChatException.UpstreamBadRequest("context too long");
        Upstream upstream = new Upstream().on("a", tooLong);

        assertThatThrownBy(() -> dispatcher.call("coder", upstream)).isSameAs(tooLong);
        assertThat(upstream.calls("b")).isZero();
    }

    @Test
    void whenEveryTargetFailsTheCallerGetsTheLastFailureOfTheSameKind() {
        Dispatcher dispatcher = dispatcher(Map.of("coder", List.of("a/one", "b/two")), Map.of());
        Upstream upstream =
                new Upstream().on("a", http(500)).on("b", new ChatException.RateLimited("b is rate limiting", "3600"));

        assertThatThrownBy(() -> dispatcher.call("coder", upstream))
                .isInstanceOfSatisfying(
                        ChatException.RateLimited.class,
                        e -> assertThat(e.retryAfter()).contains("3600"))
                .hasMessage("all 2 targets of alias 'coder' failed; last: b is rate limiting");
    }

    @Test
    void theCircuitOpensFailsFastThenClosesAfterItsCoolDown() throws InterruptedException {
        ProviderPolicy tripping = new ProviderPolicy(
                new RetrySettings(1, Duration.ZERO, Duration.ZERO),
                new CircuitSettings(50, 2, Duration.ofMillis(300), 1),
                ConcurrencyLimit.NONE,
                Duration.ofSeconds(10));
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of("a", tripping));
        Upstream upstream = new Upstream().on("a", http(503), http(503));
        assertThat(dispatcher.circuitStates()).containsEntry("a", "closed");

        assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).hasMessage("HTTP 503");
        assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).hasMessage("HTTP 503");
        assertThatThrownBy(() -> dispatcher.call("a/m", upstream))
                .isInstanceOfSatisfying(
                        ChatException.ProviderUnavailable.class,
                        e -> assertThat(e.retryAfter()).isPresent())
                .hasMessageContaining("provider 'a' is unavailable")
                .hasMessageContaining("tried again");
        assertThat(upstream.calls("a")).isEqualTo(2);
        assertThat(dispatcher.circuitStates()).containsEntry("a", "open");

        Thread.sleep(600);
        assertThat(dispatcher.circuitStates()).containsEntry("a", "half_open");
        assertThat(dispatcher.call("a/m", upstream).value()).isEqualTo("ok from a m");
        assertThat(dispatcher.circuitStates()).containsEntry("a", "closed");
        assertThat(events).containsSubsequence("circuit a open", "circuit a half_open", "circuit a closed");
    }

    @Test
    void callerFaultsRateLimitsAndRefusedRepliesNeverOpenTheCircuit() {
        ProviderPolicy tripping = new ProviderPolicy(
                new RetrySettings(1, Duration.ZERO, Duration.ZERO),
                new CircuitSettings(50, 2, Duration.ofSeconds(30), 1),
                ConcurrencyLimit.NONE,
                Duration.ofSeconds(10));
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of("a", tripping));
        Upstream upstream = new Upstream()
                .on(
                        "a",
                        new ChatException.UpstreamBadRequest("400"),
                        new ChatException.ModelNotFound("404"),
                        new ChatException.UpstreamAuth("401"),
                        new ChatException.RateLimited("429", null),
                        new ChatException.UpstreamFailure("a reply larger than chatd.max-reply-bytes"));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> dispatcher.call("a/m", upstream)).isInstanceOf(ChatException.class);
        }

        assertThat(dispatcher.circuitStates()).containsEntry("a", "closed");
        assertThat(dispatcher.call("a/m", upstream).value()).isEqualTo("ok from a m");
    }

    @Test
    void anOpenCircuitFallsBackThroughAnAlias() {
        ProviderPolicy tripping = new ProviderPolicy(
                new RetrySettings(1, Duration.ZERO, Duration.ZERO),
                new CircuitSettings(100, 1, Duration.ofSeconds(30), 1),
                ConcurrencyLimit.NONE,
                Duration.ofSeconds(10));
        Dispatcher dispatcher = dispatcher(Map.of("coder", List.of("a/one", "b/two")), Map.of("a", tripping));
        Upstream upstream = new Upstream().on("a", http(503));
        assertThat(dispatcher.call("coder", upstream).provider()).isEqualTo("b");

        Dispatcher.Served<String> served = dispatcher.call("coder", upstream);

        assertThat(served.provider()).isEqualTo("b");
        assertThat(upstream.calls("a")).isEqualTo(1);
        assertThat(events).contains("fell back coder a/one -> b/two circuit_open");
    }

    @Test
    void aStreamHoldsItsPlaceUntilClosedAndTheNextCallerIsRefusedAfterTheWait() throws Exception {
        ProviderPolicy one = new ProviderPolicy(
                FAST_RETRY, LENIENT, new ConcurrencyLimit(1, Duration.ofMillis(100)), Duration.ofSeconds(10));
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of("a", one));
        Dispatcher.Attempt<ChatStream> open =
                route -> ChatStream.of(List.of(ChatChunk.finish(FinishReason.STOP, null)));

        ChatStream held = dispatcher.stream("a/m", open).value();
        held.next(); // read to its end: the place is still held until it is closed

        assertThatThrownBy(() -> dispatcher.stream("a/m", open))
                .isInstanceOfSatisfying(
                        ChatException.RateLimited.class,
                        e -> assertThat(e.retryAfter()).contains("1"))
                .hasMessageContaining("chatd's own limit of 1 concurrent requests to provider 'a'")
                .hasMessageContaining("chatd.providers.a.max-concurrent");

        CountDownLatch waiting = new CountDownLatch(1);
        Thread next = Thread.ofVirtual().start(() -> {
            waiting.countDown();
            dispatcher.call("a/m", route -> "after").value();
        });
        waiting.await();
        held.close();
        assertThat(next.join(Duration.ofSeconds(5))).isTrue();
        held.close(); // twice: the place is given back once
        assertThat(dispatcher.call("a/m", route -> "free").value()).isEqualTo("free");
    }

    @Test
    void aStreamThatFailsToOpenGivesItsPlaceBack() {
        ProviderPolicy one = new ProviderPolicy(
                new RetrySettings(1, Duration.ZERO, Duration.ZERO),
                LENIENT,
                new ConcurrencyLimit(1, Duration.ofMillis(50)),
                Duration.ofSeconds(10));
        Dispatcher dispatcher = dispatcher(Map.of(), Map.of("a", one));
        assertThatThrownBy(() -> dispatcher.stream("a/m", route -> {
                    throw http(503);
                }))
                .hasMessage("HTTP 503");

        assertThat(dispatcher.call("a/m", route -> "free").value()).isEqualTo("free");
    }

    @Test
    void aFullProviderFallsBackThroughAnAlias() throws InterruptedException {
        ProviderPolicy one = new ProviderPolicy(
                FAST_RETRY, LENIENT, new ConcurrencyLimit(1, Duration.ofMillis(20)), Duration.ofSeconds(10));
        Dispatcher dispatcher = dispatcher(Map.of("coder", List.of("a/one", "b/two")), Map.of("a", one));
        ChatStream held =
                dispatcher.stream("a/m", route -> ChatStream.of(List.of())).value();

        assertThat(dispatcher.call("coder", new Upstream()).provider()).isEqualTo("b");
        assertThat(events).contains("fell back coder a/one -> b/two concurrency_limit");
        held.close();
        TimeUnit.MILLISECONDS.sleep(1);
    }

    @Test
    void aliasesThatShadowAProviderOrNameAnAliasAreRefused() {
        List<String> providers = List.of("openrouter", "kimi");
        assertThatThrownBy(() -> ModelAliases.checked(Map.of("openrouter", List.of("kimi/k")), providers))
                .hasMessageStartingWith("chatd.models.openrouter: an alias cannot be named 'openrouter'");
        assertThatThrownBy(() -> ModelAliases.checked(Map.of("openrouter/x", List.of("kimi/k")), providers))
                .hasMessageContaining("'openrouter' is a provider");
        assertThatThrownBy(() ->
                        ModelAliases.checked(Map.of("coder", List.of("local"), "local", List.of("kimi/k")), providers))
                .hasMessageContaining("target 'local' is itself an alias");
        assertThatThrownBy(() -> ModelAliases.checked(Map.of("coder", List.of()), providers))
                .hasMessageContaining("chatd.models.coder has no target models");
        assertThat(ModelAliases.checked(Map.of("team/coder", List.of("kimi/k")), providers)
                        .resolve("team/coder"))
                .containsExactly("kimi/k");
    }

    @Test
    void backoffGrowsWithJitterUpToItsCap() {
        RetrySettings retry = new RetrySettings(10, Duration.ofMillis(100), Duration.ofMillis(1000));
        assertThat(retry.backoff(1, 0)).isEqualTo(Duration.ofMillis(50));
        assertThat(retry.backoff(1, 0.999)).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
        assertThat(retry.backoff(3, 0)).isEqualTo(Duration.ofMillis(200));
        assertThat(retry.backoff(20, 0.999)).isBetween(Duration.ofMillis(999), Duration.ofMillis(1000));
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        assertThat(Failure.delay("7")).contains(Duration.ofSeconds(7));
        assertThat(Failure.delay("Wed, 21 Oct 2015 07:28:00 GMT")).contains(Duration.ZERO);
        assertThat(Failure.delay("soon")).isEmpty();
    }
}
