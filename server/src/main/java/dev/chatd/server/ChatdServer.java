package dev.chatd.server;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.resilience.Dispatcher;
import dev.chatd.core.resilience.ResilienceEvents;
import dev.chatd.server.ingress.ApiError;
import io.helidon.common.Weighted;
import io.helidon.common.socket.SocketOptions;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.Logger;

/** chatd wired together: the registry, the routes and Helidon's WebServer. */
public final class ChatdServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ChatdServer.class.getName());

    /** How long requests ended at the end of the grace get to write their error and finish. */
    private static final Duration ENDING = Duration.ofSeconds(3);

    /** The header Anthropic's SDKs and Claude Code send their key in; chatd's inbound token there is accepted too. */
    private static final HeaderName API_KEY = HeaderNames.create("x-api-key");

    /** Where Helidon's observers answer: {@code /observe/health}, {@code /observe/metrics}. */
    static final String OBSERVE = "/observe";

    /**
     * The listening socket's receive buffer, which every accepted connection inherits (and with it
     * the TCP window scale agreed in the handshake, so it must be set before listening). Helidon
     * sets 4 KiB unless told otherwise: a 64 KiB request body then arrives 4 KiB per read, each
     * waiting for a window update to reach the client. Measured on the 64 KiB benchmark: p50
     * 1.9 ms → 0.6 ms, CPU per request 1.8 ms → 0.8-0.9 ms. {@code
     * server.connection-options.socket-receive-buffer-size} overrides it.
     */
    static final int LISTENER_RECEIVE_BUFFER = 256 * 1024;

    private final WebServer webServer;
    private final ProviderRegistry registry;
    private final Dispatcher dispatcher;
    private final InFlightRequests inFlight;
    private final Duration grace;
    private final ChatdMetrics metrics;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private ChatdServer(
            WebServer webServer,
            ProviderRegistry registry,
            Dispatcher dispatcher,
            InFlightRequests inFlight,
            Duration grace,
            ChatdMetrics metrics) {
        this.webServer = webServer;
        this.metrics = metrics;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.inFlight = inFlight;
        this.grace = grace;
    }

    /** Builds the registry from the factories given and starts listening. */
    public static ChatdServer start(ChatdConfig config, List<ChatProviderFactory> factories, KeyResolver keys) {
        return start(config, factories, keys, List.of());
    }

    /** Starts chatd with client APIs mounted beside the standard ones (a test's codec). */
    static ChatdServer start(
            ChatdConfig config, List<ChatProviderFactory> factories, KeyResolver keys, List<Ingress> moreIngresses) {
        return start(config, factories, keys, moreIngresses, ResilienceEvents.NONE);
    }

    /**
     * Starts chatd, telling {@code events} of retries, fallbacks and circuit changes (metrics).
     *
     * @throws io.helidon.config.ConfigException when a model alias ({@code chatd.models}) shadows a
     *     provider's prefix, has no targets, or names another alias
     */
    static ChatdServer start(
            ChatdConfig config,
            List<ChatProviderFactory> factories,
            KeyResolver keys,
            List<Ingress> moreIngresses,
            ResilienceEvents events) {
        InFlightRequests inFlight = new InFlightRequests();
        ProviderRegistry registry = ProviderRegistry.build(factories, config.registrySettings(), keys);
        List<String> providers = List.copyOf(registry.activeProviders().keySet());
        ChatdMetrics metrics =
                new ChatdMetrics(config.metricsMaxModels(), providers, ChatdMetrics.allClosed(providers));
        Dispatcher dispatcher;
        try {
            dispatcher = new Dispatcher(
                    registry, config.dispatcherSettings(registry.knownNames()), recorded(metrics, events));
        } catch (RuntimeException e) {
            metrics.close();
            registry.close();
            throw e;
        }
        metrics.circuitStates(dispatcher::circuitStates);
        AtomicBoolean ready = new AtomicBoolean();
        ModelCatalog catalog = new ModelCatalog(registry, dispatcher.aliases());
        Optional<ClientTokens> auth = ClientTokens.of(config.clients());
        LOG.info(
                auth.isPresent()
                        ? "inbound auth: token required (Authorization: Bearer or x-api-key); clients: "
                                + String.join(
                                        ", ",
                                        config.clients().stream()
                                                .map(ClientToken::name)
                                                .toList())
                        : "inbound auth: off (no token configured)");
        for (ClientToken client : config.clients()) {
            if (client.token().isEmpty()) {
                LOG.warning("client '" + client.name() + "' has no token (" + client.source()
                        + " gave none, or an empty one): it cannot log in until one is set and chatd restarts");
            }
        }

        // Nagle's algorithm would hold small replies back ~40 ms waiting for the client's ACK.
        SocketOptions socket = SocketOptions.builder()
                .tcpNoDelay(true)
                .config(config.server().get("connection-options"))
                .readTimeout(config.clientReadTimeout())
                .build();
        ClientTimeouts timeouts = new ClientTimeouts(socket, config.clientIdleTimeout());

        RecentModels recent = new RecentModels();
        List<Ingress> mounted = new ArrayList<>(Ingresses.standard(registry, catalog, recent));
        mounted.addAll(moreIngresses);
        Ingresses ingresses = new Ingresses(
                mounted,
                dispatcher,
                recent,
                config.maxRequestBytes(),
                config.streamKeepAlive(),
                config.forwardForeignFields());
        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter((chain, req, res) -> {
                    ingresses.attach(req); // first, so that every error after it has its API's envelope
                    chain.proceed();
                })
                .addFilter(AccessLog.filter(config.logFormat(), metrics))
                .addFilter(inFlight::filter)
                .addFilter((chain, req, res) -> {
                    boolean checked =
                            auth.isPresent() && !unauthenticated(req.path().path());
                    Optional<ClientTokens.Client> client = checked
                            ? auth.get()
                                    .identify(
                                            req.headers()
                                                    .first(HeaderNames.AUTHORIZATION)
                                                    .orElse(null),
                                            req.headers().first(API_KEY).orElse(null))
                            : Optional.empty();
                    client.ifPresent(c -> ClientTokens.identified(req, c));
                    if (checked && client.isEmpty()) {
                        HttpSupport.send(
                                req,
                                res,
                                ApiError.of(
                                        401,
                                        "unauthorized",
                                        "missing or wrong bearer token: send 'Authorization: Bearer <token>' (or 'x-api-key: <token>') with the token chatd was configured with"));
                    } else {
                        chain.proceed();
                    }
                    timeouts.requestDone(req);
                    HttpSupport.closeIfAsked(req, res);
                })
                .get("/health", (req, res) -> HttpSupport.json(res, Map.of("status", "ok")))
                .head(
                        "/health",
                        (req, res) -> res.header(HeaderValues.CONTENT_TYPE_JSON).send())
                .register(ingresses)
                // A feature of the least weight, so that it comes after the observers' routes too.
                .addFeature(new UnknownRoutes(ingresses))
                .error(
                        ChatHandler.BodyTooLarge.class,
                        (req, res, e) -> HttpSupport.refuse(
                                req,
                                res,
                                ApiError.of(
                                        413,
                                        "request_too_large",
                                        "the request body is larger than chatd.max-request-bytes (" + e.limit
                                                + " bytes); send a shorter conversation or raise the limit")))
                .error(ChatHandler.BodyStalled.class, (req, res, e) -> {
                    // The rest of the body may still come; it must not be read as the next request.
                    res.header(HeaderValues.CONNECTION_CLOSE);
                    HttpSupport.refuse(
                            req,
                            res,
                            ApiError.of(
                                    408,
                                    "request_timeout",
                                    "the request body stopped arriving:"
                                            + " no byte for "
                                            + config.clientReadTimeout().toSeconds()
                                            + " s (chatd.client-read-timeout-secs); send the whole body at once"));
                })
                .error(ChatException.class, HttpSupport::chatFailure)
                .error(Throwable.class, HttpSupport::unexpected);

        String address = config.host() + ":" + config.port();
        WebServer webServer;
        try {
            WebServerConfig.Builder server = WebServer.builder()
                    .config(config.server())
                    .host(config.host())
                    .port(config.port())
                    .connectionOptions(timeouts.socketOptions())
                    .putListenerSocketOption(
                            StandardSocketOptions.SO_RCVBUF,
                            socket.socketReceiveBufferSize().orElse(LISTENER_RECEIVE_BUFFER))
                    // Helidon closes connections that wait this long for a request line (a trickled one too).
                    .idleConnectionTimeout(config.clientIdleTimeout())
                    .idleConnectionPeriod(idleCheckPeriod(config.clientIdleTimeout()))
                    .directHandlers(TransportErrors.all(ingresses))
                    .addFeature(observe(metrics, ready))
                    .routing(routing);
            // Helidon hands its message to direct handlers only with include-entity; chatd writes its own.
            server.errorHandling(ErrorHandling.builder()
                    .from(server.errorHandling())
                    .includeEntity(true)
                    .build());
            // HTTP/1.1 as configured under server.protocols.http_1_1, with the listener; listed, not
            // discovered, as discovery would add a second HTTP/1.1 without it (chatd ships no other protocol).
            server.protocols(List.of(Http1Config.builder()
                            .config(config.server().get("protocols.http_1_1"))
                            .addReceiveListener(timeouts)
                            .build()))
                    .protocolsDiscoverServices(false);
            webServer = server.build();
        } catch (IllegalArgumentException e) { // Helidon's word for a host name that does not resolve
            registry.close();
            throw new IllegalStateException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        Throwable failure = startListening(webServer);
        if (!webServer.isRunning()) {
            registry.close();
            throw new IllegalStateException("cannot listen on " + address + ": "
                    + (failure == null ? "see the log above" : rootMessage(failure)));
        }
        ready.set(true);
        if (auth.isEmpty() && !loopback(config.host())) {
            LOG.warning("listening on " + config.host() + ":" + webServer.port() + ", beyond this machine, with no"
                    + " inbound token: anyone who reaches it can spend chatd's provider keys; set CHATD_AUTH_TOKEN"
                    + " (chatd.auth.token-env) or listen on 127.0.0.1 (server.host)");
        }
        return new ChatdServer(webServer, registry, dispatcher, inFlight, config.shutdownGrace(), metrics);
    }

    /** The 404 of a path no route claims, in the envelope of the API nearest to it. */
    private record UnknownRoutes(Ingresses ingresses) implements HttpFeature, Weighted {
        @Override
        public void setup(HttpRouting.Builder routing) {
            routing.any((req, res) -> HttpSupport.send(
                    req,
                    res,
                    ApiError.of(
                            404,
                            "not_found",
                            "no route for " + req.prologue().method().text() + " "
                                    + req.path().path() + "; "
                                    + ingresses.servedNear(req.path().path()))));
        }

        @Override
        public double weight() {
            return 0.1;
        }
    }

    /**
     * The paths a load balancer, a Kubernetes probe or Prometheus reach without chatd's token:
     * {@code /health} and the two observers, which show no secret (no key, token or prompt).
     */
    static boolean unauthenticated(String path) {
        return path.equals("/health")
                || path.equals(OBSERVE + "/health")
                || path.startsWith(OBSERVE + "/health/")
                || path.equals(OBSERVE + "/metrics")
                || path.startsWith(OBSERVE + "/metrics/");
    }

    /**
     * Helidon's observe feature with only its health and metrics observers (no others discovered:
     * config or log observers would show what must stay inside). Live: the process answers.
     * Ready: the providers are registered and chatd listens; an open circuit is a detail, since
     * a replica with a failing upstream serves the others still.
     */
    private static ObserveFeature observe(ChatdMetrics metrics, AtomicBoolean ready) {
        HealthCheck live = new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.LIVENESS;
            }

            @Override
            public String name() {
                return "chatd";
            }

            @Override
            public HealthCheckResponse call() {
                return HealthCheckResponse.builder().status(true).build();
            }
        };
        HealthCheck providers = new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "providers";
            }

            @Override
            public HealthCheckResponse call() {
                HealthCheckResponse.Builder response =
                        HealthCheckResponse.builder().status(ready.get());
                new TreeMap<>(metrics.circuitStates()).forEach(response::detail);
                return response.build();
            }
        };
        return ObserveFeature.builder()
                .endpoint(OBSERVE)
                .observersDiscoverServices(false)
                .addObserver(HealthObserver.builder()
                        .useSystemServices(false)
                        .details(true)
                        .addCheck(live)
                        .addCheck(providers)
                        .build())
                .addObserver(MetricsObserver.builder()
                        .meterRegistry(metrics.registry())
                        .build())
                .build();
    }

    /** The metrics this server records: where retries, fallbacks and circuit states are reported. */
    public ChatdMetrics metrics() {
        return metrics;
    }

    /** {@code events} told of retries, fallbacks and circuit changes, and the metrics counting them. */
    private static ResilienceEvents recorded(ChatdMetrics metrics, ResilienceEvents events) {
        return new ResilienceEvents() {
            @Override
            public void retried(String provider, String reason) {
                metrics.retried(provider, reason);
                events.retried(provider, reason);
            }

            @Override
            public void fellBack(String alias, String from, String to, String reason) {
                metrics.fellBack(alias, from, to);
                events.fellBack(alias, from, to, reason);
            }

            @Override
            public void circuitChanged(String provider, String state) {
                events.circuitChanged(provider, state); // the gauge reads the state itself
            }
        };
    }

    /**
     * Starts the server and returns why it failed, if it did. Helidon does not throw when a
     * listener cannot bind (a port in use): it logs the failure with a stack trace and returns a
     * server that is not running. That log is held back here, and the caller says it in one
     * line naming the address. Synchronized: two servers starting at once must not restore
     * each other's filter.
     */
    private static synchronized Throwable startListening(WebServer webServer) {
        Logger helidon = Logger.getLogger("io.helidon.webserver.LoomServer");
        Filter previous = helidon.getFilter();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        helidon.setFilter(record -> {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                failure.compareAndSet(null, record.getThrown());
                return false;
            }
            return previous == null || previous.isLoggable(record);
        });
        try {
            webServer.start();
        } finally {
            helidon.setFilter(previous);
        }
        return failure.get();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    /** Whether the address is this machine's alone; an unresolvable name is not. */
    static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** How often Helidon looks for idle connections: often enough to close them near their timeout. */
    private static Duration idleCheckPeriod(Duration idle) {
        Duration tenth = idle.dividedBy(10);
        return tenth.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tenth;
    }

    /**
     * Each registered provider's circuit now: {@code closed}, {@code open} or {@code half_open},
     * for health details and a gauge.
     */
    public Map<String, String> circuitStates() {
        return dispatcher.circuitStates();
    }

    public int port() {
        return webServer.port();
    }

    /**
     * Stops gracefully: new requests get a 503 {@code shutting_down} at once; requests and
     * streams in flight get {@code chatd.shutdown-grace-secs} to finish; those still running
     * then end with their ingress's error (an error event on a stream), and the server closes.
     * Calling it again while it waits cuts the wait short.
     */
    public void shutdown() {
        if (!stopping.compareAndSet(false, true)) {
            inFlight.hurry();
            return;
        }
        inFlight.drain();
        LOG.info("chatd shutting down: new requests get 503 shutting_down; requests in flight (" + inFlight.count()
                + ") get up to " + grace.toSeconds() + " s (chatd.shutdown-grace-secs) to finish");
        try {
            if (!inFlight.awaitIdle(grace)) {
                LOG.warning("chatd shutting down: the grace is over; ending the requests still in flight ("
                        + inFlight.count() + ")");
                inFlight.endAll(grace);
                inFlight.awaitIdle(ENDING);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        LOG.info("chatd stopped");
        stopped.countDown();
    }

    /**
     * On SIGTERM or SIGINT: {@link #shutdown()}, then exit with status 0, which a supervisor
     * reads as a clean stop (a JVM shutdown hook could neither wait with the log still open
     * nor change the status from 143). A second signal cuts the grace short.
     */
    public void shutdownOnSignals() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "chatd-shutdown"));
        boolean installed = StopSignals.install(() -> {
            shutdown(); // a second signal returns at once, having cut the first one's wait short
            if (closed.get()) {
                System.exit(0);
            }
        });
        if (!installed) {
            LOG.warning("cannot handle SIGTERM here; stopping will not wait for requests in flight");
        }
    }

    /**
     * Waits until a {@link #shutdown()} has finished. The main thread waits here: signal
     * handlers run on daemon threads, and once Helidon's listeners stop nothing else would keep
     * the JVM from exiting before the shutdown has said its last word and chosen the status.
     */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping.set(true);
        webServer.stop();
        metrics.close();
        registry.close();
    }
}
