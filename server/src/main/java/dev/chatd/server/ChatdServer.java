package dev.chatd.server;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderRegistry;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.logging.Logger;

/** chatd wired together: the registry, the routes and Helidon's WebServer. */
public final class ChatdServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ChatdServer.class.getName());

    private final WebServer webServer;
    private final ProviderRegistry registry;
    private final ScheduledExecutorService scheduler;

    private ChatdServer(WebServer webServer, ProviderRegistry registry, ScheduledExecutorService scheduler) {
        this.webServer = webServer;
        this.registry = registry;
        this.scheduler = scheduler;
    }

    /** Builds the registry from the factories given and starts listening. */
    public static ChatdServer start(ChatdConfig config, List<ChatProviderFactory> factories, KeyResolver keys) {
        // One timer thread serves the keep-alives of every open stream.
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform()
                .name("chatd-keepalive").daemon().factory());
        scheduler.setRemoveOnCancelPolicy(true);
        ProviderRegistry registry = ProviderRegistry.build(factories, config.registrySettings(), keys);
        ModelCatalog catalog = new ModelCatalog(registry);
        Optional<BearerAuth> auth = BearerAuth.of(config.authToken());
        LOG.info(auth.isPresent() ? "inbound auth: bearer token required" : "inbound auth: off (no token configured)");

        // Nagle's algorithm would hold small replies back ~40 ms waiting for the client's ACK.
        SocketOptions socket = SocketOptions.builder().tcpNoDelay(true)
                .config(config.server().get("connection-options"))
                .readTimeout(config.clientReadTimeout())
                .build();
        ClientTimeouts timeouts = new ClientTimeouts(socket, config.clientIdleTimeout());

        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter((chain, req, res) -> {
                    HttpSupport.assignRequestId(req, res);
                    if (auth.isPresent() && !req.path().path().equals("/health")
                            && !auth.get().accepts(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
                        HttpSupport.send(req, res, ApiError.of(401, "unauthorized",
                                "missing or wrong bearer token: send 'Authorization: Bearer <token>' with the token chatd was configured with"));
                    } else {
                        chain.proceed();
                    }
                    timeouts.requestDone(req);
                    HttpSupport.closeIfAsked(req, res);
                })
                .get("/health", (req, res) -> HttpSupport.json(res, Map.of("status", "ok")))
                .head("/health", (req, res) -> res.header(HeaderValues.CONTENT_TYPE_JSON).send())
                .register(new ChatRoutes(registry, config.maxRequestBytes(), scheduler, config.streamKeepAlive()))
                .register(new OpenAiRoutes(registry, catalog, config.maxRequestBytes(), scheduler, config.streamKeepAlive()))
                .register(new OllamaRoutes(registry, catalog, config.maxRequestBytes(), scheduler))
                .any((req, res) -> HttpSupport.send(req, res, ApiError.of(404, "not_found",
                        "no route for " + req.prologue().method().text() + " " + req.path().path()
                                + "; chatd serves POST /chat, GET /chat/providers, POST /v1/chat/completions, GET /v1/models,"
                                + " POST /api/chat, GET /api/tags, GET /api/version and GET /health")))
                .error(ChatRoutes.BodyTooLarge.class, (req, res, e) -> HttpSupport.refuse(req, res, ApiError.of(413,
                        "request_too_large", "the request body is larger than chatd.max-request-bytes (" + e.limit
                                + " bytes); send a shorter conversation or raise the limit")))
                .error(ChatRoutes.BodyStalled.class, (req, res, e) -> {
                    // The rest of the body may still come; it must not be read as the next request.
                    res.header(HeaderValues.CONNECTION_CLOSE);
                    HttpSupport.refuse(req, res, ApiError.of(408, "request_timeout", "the request body stopped arriving:"
                            + " no byte for " + config.clientReadTimeout().toSeconds()
                            + " s (chatd.client-read-timeout-secs); send the whole body at once"));
                })
                .error(ChatException.class, HttpSupport::chatFailure)
                .error(Throwable.class, HttpSupport::unexpected);

        WebServerConfig.Builder server = WebServer.builder()
                .config(config.server())
                .connectionOptions(timeouts.socketOptions())
                // Helidon closes connections that wait this long for a request line (a trickled one too).
                .idleConnectionTimeout(config.clientIdleTimeout())
                .idleConnectionPeriod(idleCheckPeriod(config.clientIdleTimeout()))
                .directHandlers(TransportErrors.all())
                .routing(routing);
        // Helidon hands its message to direct handlers only with include-entity; chatd writes its own.
        server.errorHandling(ErrorHandling.builder().from(server.errorHandling()).includeEntity(true).build());
        // HTTP/1.1 as configured under server.protocols.http_1_1, with the listener; listed, not
        // discovered, as discovery would add a second HTTP/1.1 without it (chatd ships no other protocol).
        server.protocols(List.of(Http1Config.builder().config(config.server().get("protocols.http_1_1"))
                        .addReceiveListener(timeouts).build()))
                .protocolsDiscoverServices(false);
        WebServer webServer = server.build().start();
        return new ChatdServer(webServer, registry, scheduler);
    }

    /** How often Helidon looks for idle connections: often enough to close them near their timeout. */
    private static Duration idleCheckPeriod(Duration idle) {
        Duration tenth = idle.dividedBy(10);
        return tenth.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tenth;
    }

    public int port() {
        return webServer.port();
    }

    @Override
    public void close() {
        webServer.stop();
        scheduler.shutdownNow();
        registry.close();
    }
}
