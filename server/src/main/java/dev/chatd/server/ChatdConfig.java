package dev.chatd.server;

import dev.chatd.api.spi.Secret;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.ProviderSettings;
import dev.chatd.core.resilience.CircuitSettings;
import dev.chatd.core.resilience.ConcurrencyLimit;
import dev.chatd.core.resilience.Dispatcher;
import dev.chatd.core.resilience.ModelAliases;
import dev.chatd.core.resilience.ProviderPolicy;
import dev.chatd.core.resilience.RetrySettings;
import dev.chatd.core.transport.HelidonTransport;
import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * chatd's configuration, read once at start-up from Helidon {@link Config} into typed values;
 * nothing reads {@code Config} on the request path. {@link #KEYS}, {@link #PROVIDER_KEYS} and
 * {@link #SERVER_KEYS} are the schema: every key read here is listed there, and
 * {@link KnownKeys} warns about other keys and maps environment variables with it.
 *
 * @param server the {@code server} node, handed to Helidon's WebServer as it is
 * @param host the address to listen on ({@code server.host}, default loopback only)
 * @param port the port to listen on ({@code server.port}; 0 picks a free one)
 * @param clientReadTimeout how long a client may leave its request's headers or body unfinished
 *     without sending a byte
 * @param clientIdleTimeout how long a client's connection may wait, idle, for its next request
 * @param authToken the inbound bearer token; empty means no authentication
 * @param shutdownGrace how long a shutdown lets requests and streams in flight finish
 * @param upstream the upstream transport's limits: reply and stream-line sizes, connection pool
 * @param forwardForeignFields whether request fields chatd does not model go to every upstream,
 *     whatever format the client wrote them in; by default an upstream receives only the fields
 *     of its own format (an OpenAI client's {@code user} never reaches Ollama)
 * @param metricsMaxModels how many distinct models get their own {@code gen_ai.request.model}
 *     label; later ones are counted as {@code other}
 * @param clients the named inbound tokens ({@code chatd.auth.tokens}), then the single token as
 *     client {@value ClientToken#DEFAULT_CLIENT} when it resolved; none means no authentication
 * @param logFormat how the access log writes its lines ({@code chatd.log.format})
 * @param models the model aliases ({@code chatd.models}), unchecked until the providers are known
 *     ({@link #dispatcherSettings})
 * @param policies retries, circuit breaker and concurrency limit per provider node, the global
 *     settings ({@code chatd.retry}, {@code chatd.circuit-breaker}) under each node's overrides
 * @param defaultPolicy the same for a provider without a node
 */
public record ChatdConfig(
        Config server,
        String host,
        int port,
        Duration timeout,
        Duration streamIdleTimeout,
        Duration streamKeepAlive,
        Duration clientReadTimeout,
        Duration clientIdleTimeout,
        long maxRequestBytes,
        String defaultProvider,
        Optional<Secret> authToken,
        Map<String, ProviderSettings> providers,
        Duration shutdownGrace,
        HelidonTransport.Settings upstream,
        boolean forwardForeignFields,
        int metricsMaxModels,
        List<ClientToken> clients,
        LogFormat logFormat,
        Map<String, List<String>> models,
        Map<String, ProviderPolicy> policies,
        ProviderPolicy defaultPolicy) {

    public static final int DEFAULT_TIMEOUT_SECS = 120;
    public static final int DEFAULT_STREAM_IDLE_TIMEOUT_SECS = 60;
    public static final int DEFAULT_STREAM_KEEPALIVE_SECS = 15;
    public static final long DEFAULT_MAX_REQUEST_BYTES = 4L * 1024 * 1024;
    public static final long DEFAULT_MAX_REPLY_BYTES = HelidonTransport.Settings.DEFAULT_MAX_REPLY_BYTES;
    public static final int DEFAULT_MAX_STREAM_LINE_BYTES = HelidonTransport.Settings.DEFAULT_MAX_STREAM_LINE_BYTES;
    public static final int DEFAULT_UPSTREAM_MAX_CONNECTIONS_PER_HOST =
            HelidonTransport.Settings.DEFAULT_MAX_CONNECTIONS_PER_HOST;
    public static final int DEFAULT_UPSTREAM_IDLE_TIMEOUT_SECS =
            (int) HelidonTransport.Settings.DEFAULT_IDLE_TIMEOUT.toSeconds();
    public static final int DEFAULT_SHUTDOWN_GRACE_SECS = 30;
    public static final int DEFAULT_CLIENT_READ_TIMEOUT_SECS = 30;
    /** Longer than the 60 s idle timeout of common load balancers, so that they close first. */
    public static final int DEFAULT_CLIENT_IDLE_TIMEOUT_SECS = 75;
    /** Safe by default: only this machine can call chatd until {@code server.host} says otherwise. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    public static final int DEFAULT_PORT = 8080;

    public static final int DEFAULT_MAX_QUEUE_WAIT_MS = 5_000;
    /**
     * chatd's own concurrency limit for providers whose upstream has a hard cap: Kimi For Coding
     * takes about 30 requests at once. A declared provider of such a type gets it too.
     */
    static final Map<String, Integer> DEFAULT_MAX_CONCURRENT = Map.of("kimi", 30);

    /** The retry and circuit keys, set under {@code chatd.} for all providers and under each provider's node. */
    private static final List<String> POLICY_KEYS = List.of(
            "retry.max-attempts",
            "retry.initial-backoff-ms",
            "retry.max-backoff-ms",
            "circuit-breaker.failure-ratio-percent",
            "circuit-breaker.volume",
            "circuit-breaker.open-secs",
            "circuit-breaker.success-threshold");

    /**
     * Every key under {@code chatd.}, relative to it. Some are read by other classes' settings
     * added in the same release (upstream pool, reply caps, client timeouts, shutdown); all are
     * listed so that none is reported as unknown.
     */
    public static final List<String> KEYS = concat(
            POLICY_KEYS,
            "timeout-secs",
            "stream-idle-timeout-secs",
            "stream-keepalive-secs",
            "max-request-bytes",
            "default-provider",
            "auth.token-env",
            "auth.token-file",
            "max-reply-bytes",
            "max-stream-line-bytes",
            "upstream.max-connections-per-host",
            "upstream.idle-timeout-secs",
            "client-read-timeout-secs",
            "client-idle-timeout-secs",
            "shutdown-grace-secs",
            "plugins-dir",
            "forward-foreign-fields",
            "metrics.max-models",
            "auth.tokens",
            "log.format",
            "models",
            "max-queue-wait-ms");

    /**
     * The keys of {@link #KEYS} whose value is a list of sections: set in a config file only,
     * since one environment variable cannot hold them.
     */
    public static final List<String> LIST_KEYS = List.of("auth.tokens");

    /** Every key of an entry of {@code chatd.auth.tokens}. */
    public static final List<String> TOKEN_KEYS = List.of("name", "token-env", "token-file", "allow");

    private static List<String> concat(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return List.copyOf(all);
    }

    /** Client names go into log lines and metric labels: kept to a plain, short token. */
    private static final Pattern CLIENT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * Every key of a provider node ({@code chatd.providers.<name>.}), besides {@code headers.<name>}
     * and the provider's own ({@link dev.chatd.api.spi.ChatProviderFactory#settingKeys()}).
     */
    public static final List<String> PROVIDER_KEYS = concat(
            POLICY_KEYS,
            "base-url",
            "key-env",
            "key-file",
            "enabled",
            "timeout-secs",
            "stream-idle-timeout-secs",
            "type",
            "max-concurrent",
            "max-queue-wait-ms");

    /** The map of a provider node whose entries are free-form (header names). */
    public static final String PROVIDER_HEADERS = "headers";

    /** The {@code server.} keys chatd reads itself; Helidon's WebServer takes the whole node as well. */
    public static final List<String> SERVER_KEYS = List.of("host", "port");

    /**
     * The plugins directory: {@code chatd.plugins-dir}, else {@code plugins/} beside chatd's
     * JAR (null when chatd does not run from a JAR and none is configured). Read before the
     * rest, since the plugins it holds take part in reading the rest.
     */
    public static Path pluginsDir(Config root, Path jarDir) {
        Optional<String> configured =
                text(root.get("chatd.plugins-dir")).map(String::strip).filter(s -> !s.isEmpty());
        if (configured.isPresent()) {
            return Path.of(configured.get());
        }
        return jarDir == null ? null : jarDir.resolve("plugins");
    }

    /** Reads the {@code chatd} node; an ill-typed value fails with a message naming its key. */
    public static ChatdConfig from(Config root, KeyResolver keys) {
        Config server = root.get("server");
        String host = text(server.get("host")).map(String::strip).orElse(DEFAULT_HOST);
        if (host.isEmpty()) {
            throw new ConfigException("server.host is empty: expected an address such as 127.0.0.1 or 0.0.0.0");
        }
        int port = (int) number(server.get("port"), DEFAULT_PORT, 0, 65_535, "a port number from 0 to 65535");
        Config chatd = root.get("chatd");
        Duration timeout = Duration.ofSeconds(positive(chatd.get("timeout-secs"), DEFAULT_TIMEOUT_SECS));
        Duration idle =
                Duration.ofSeconds(positive(chatd.get("stream-idle-timeout-secs"), DEFAULT_STREAM_IDLE_TIMEOUT_SECS));
        Duration keepAlive =
                Duration.ofSeconds(positive(chatd.get("stream-keepalive-secs"), DEFAULT_STREAM_KEEPALIVE_SECS));
        Duration clientRead =
                Duration.ofSeconds(positive(chatd.get("client-read-timeout-secs"), DEFAULT_CLIENT_READ_TIMEOUT_SECS));
        Duration clientIdle =
                Duration.ofSeconds(positive(chatd.get("client-idle-timeout-secs"), DEFAULT_CLIENT_IDLE_TIMEOUT_SECS));
        long maxBytes = positive(chatd.get("max-request-bytes"), DEFAULT_MAX_REQUEST_BYTES);
        String defaultProvider = text(chatd.get("default-provider")).orElse("ollama");
        // Zero is allowed: streams in flight end with an error event at once.
        Duration grace = Duration.ofSeconds(number(
                chatd.get("shutdown-grace-secs"),
                DEFAULT_SHUTDOWN_GRACE_SECS,
                0,
                Long.MAX_VALUE,
                "zero or a positive whole number"));

        Config auth = chatd.get("auth");
        String tokenEnv = text(auth.get("token-env")).orElse("CHATD_AUTH_TOKEN");
        String tokenFile = text(auth.get("token-file")).orElse("");
        Optional<Secret> token = keys.resolve(tokenEnv, tokenEnv, tokenFile.isBlank() ? null : Path.of(tokenFile));
        List<ClientToken> clients = clients(auth.get("tokens"), keys);
        if (token.isPresent()) {
            if (clients.stream().anyMatch(c -> c.name().equals(ClientToken.DEFAULT_CLIENT))) {
                throw new ConfigException("chatd.auth.tokens names a client '" + ClientToken.DEFAULT_CLIENT
                        + "', the name of the single token (chatd.auth.token-env, set here); rename one");
            }
            clients.add(new ClientToken(
                    ClientToken.DEFAULT_CLIENT,
                    token,
                    "chatd.auth.token-env " + tokenEnv + (tokenFile.isBlank() ? "" : " / token-file " + tokenFile),
                    List.of()));
        }
        String format = text(chatd.get("log.format")).orElse("text");
        LogFormat logFormat = LogFormat.named(format);
        if (logFormat == null) {
            throw new ConfigException("chatd.log.format = '" + format + "': expected text or json");
        }

        Map<String, ProviderSettings> providers = new LinkedHashMap<>();
        for (Config node : chatd.get("providers").asNodeList().orElse(List.of())) {
            providers.put(node.name(), provider(node));
        }
        RetrySettings retry = retry(chatd.get("retry"), RetrySettings.DEFAULTS);
        CircuitSettings circuit = circuit(chatd.get("circuit-breaker"), CircuitSettings.DEFAULTS);
        Duration queueWait = Duration.ofMillis(
                number(chatd.get("max-queue-wait-ms"), DEFAULT_MAX_QUEUE_WAIT_MS, 0, 3_600_000, "0 to 3600000 ms"));
        ProviderPolicy defaultPolicy = new ProviderPolicy(retry, circuit, new ConcurrencyLimit(0, queueWait), timeout);
        Map<String, ProviderPolicy> policies = new LinkedHashMap<>();
        for (Config node : chatd.get("providers").asNodeList().orElse(List.of())) {
            ProviderSettings settings = providers.get(node.name());
            policies.put(
                    node.name(),
                    new ProviderPolicy(
                            retry(node.get("retry"), retry),
                            circuit(node.get("circuit-breaker"), circuit),
                            new ConcurrencyLimit(
                                    (int) number(
                                            node.get("max-concurrent"),
                                            defaultMaxConcurrent(node.name(), settings.type()),
                                            0,
                                            100_000,
                                            "0 (no limit) or a positive whole number"),
                                    Duration.ofMillis(number(
                                            node.get("max-queue-wait-ms"),
                                            queueWait.toMillis(),
                                            0,
                                            3_600_000,
                                            "0 to 3600000 ms"))),
                            settings.timeout() != null ? settings.timeout() : timeout));
        }
        return new ChatdConfig(
                server,
                host,
                port,
                timeout,
                idle,
                keepAlive,
                clientRead,
                clientIdle,
                maxBytes,
                defaultProvider,
                token,
                providers,
                grace,
                upstream(chatd),
                bool(chatd.get("forward-foreign-fields"), false),
                (int) number(
                        chatd.get("metrics.max-models"),
                        ChatdMetrics.DEFAULT_MAX_MODELS,
                        1,
                        100_000,
                        "a whole number from 1 to 100000"),
                List.copyOf(clients),
                logFormat,
                models(chatd.get("models")),
                policies,
                defaultPolicy);
    }

    /** The entries of {@code chatd.auth.tokens}, each token resolved as providers' keys are. */
    private static List<ClientToken> clients(Config list, KeyResolver keys) {
        List<ClientToken> clients = new ArrayList<>();
        if (!list.exists()) {
            return clients;
        }
        // A list, or the section of numbered keys (tokens.0.name) that flat sources make of one.
        if (list.isLeaf()) {
            if (list.asString().orElse("").isBlank()) {
                return clients;
            }
            throw new ConfigException(
                    list.key() + " is a single value: expected a list of {name, token-env or token-file, allow}");
        }
        Set<String> names = new HashSet<>();
        for (Config entry : list.asNodeList().orElse(List.of())) {
            String name = text(entry.get("name")).map(String::strip).orElse("");
            if (!CLIENT_NAME.matcher(name).matches()) {
                throw new ConfigException(entry.key() + ".name = '" + name
                        + "': expected a client name of letters, digits, '.', '_' or '-' (at most 64)");
            }
            if (!names.add(name)) {
                throw new ConfigException(entry.key() + ".name: client '" + name + "' is named twice");
            }
            String env = text(entry.get("token-env"))
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .orElse(null);
            String file = text(entry.get("token-file"))
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .orElse(null);
            if (env == null && file == null) {
                throw new ConfigException(entry.key() + " (client '" + name
                        + "'): set token-env (an environment variable) or token-file (a .env-style file)");
            }
            Config allowNode = entry.get("allow");
            List<String> allow = List.of();
            if (allowNode.exists()) {
                if (allowNode.isLeaf()) {
                    throw new ConfigException(allowNode.key() + ": expected a list of providers or model names");
                }
                allow = allowNode.asList(String.class).get().stream()
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
            }
            clients.add(new ClientToken(
                    name,
                    keys.resolve(env, env, file == null ? null : Path.of(file)),
                    (env == null ? "" : "token-env " + env)
                            + (env != null && file != null ? " / " : "")
                            + (file == null ? "" : "token-file " + file),
                    allow));
        }
        return clients;
    }

    private static int defaultMaxConcurrent(String name, String type) {
        return DEFAULT_MAX_CONCURRENT.getOrDefault(type != null ? type : name, 0);
    }

    private static RetrySettings retry(Config node, RetrySettings orElse) {
        try {
            return new RetrySettings(
                    (int) number(node.get("max-attempts"), orElse.maxAttempts(), 1, 100, "1 to 100"),
                    Duration.ofMillis(number(
                            node.get("initial-backoff-ms"),
                            orElse.initialBackoff().toMillis(),
                            0,
                            3_600_000,
                            "0 to 3600000 ms")),
                    Duration.ofMillis(number(
                            node.get("max-backoff-ms"),
                            orElse.maxBackoff().toMillis(),
                            0,
                            3_600_000,
                            "0 to 3600000 ms")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(node.key() + ": " + e.getMessage());
        }
    }

    private static CircuitSettings circuit(Config node, CircuitSettings orElse) {
        return new CircuitSettings(
                (int) number(
                        node.get("failure-ratio-percent"), orElse.failureRatioPercent(), 1, 100, "1 to 100 (percent)"),
                (int) number(node.get("volume"), orElse.volume(), 1, 10_000, "1 to 10000 calls"),
                Duration.ofSeconds(
                        number(node.get("open-secs"), orElse.openTime().toSeconds(), 1, 86_400, "1 to 86400 s")),
                (int) number(node.get("success-threshold"), orElse.successThreshold(), 1, 10_000, "1 to 10000 calls"));
    }

    /** {@code chatd.models}: alias to its list of target models, in order. */
    private static Map<String, List<String>> models(Config node) {
        Map<String, List<String>> models = new LinkedHashMap<>();
        for (Config alias : node.asNodeList().orElse(List.of())) {
            List<String> targets = new java.util.ArrayList<>();
            if (alias.isLeaf()) {
                text(alias).filter(s -> !s.isBlank()).ifPresent(targets::add);
            } else {
                // A list; or, from a flat source (properties, a map, the environment), an object with keys 0, 1, ...
                List<Config> items =
                        new java.util.ArrayList<>(alias.asNodeList().orElse(List.of()));
                if (!alias.isList()) {
                    if (!items.stream().allMatch(item -> item.name().matches("[0-9]{1,4}"))) {
                        throw new ConfigException(
                                alias.key() + " is a section: expected a list of models, e.g. [kimi/kimi-for-coding]");
                    }
                    items.sort(java.util.Comparator.comparingInt(item -> Integer.parseInt(item.name())));
                }
                for (Config item : items) {
                    text(item).map(String::strip).ifPresent(targets::add);
                }
            }
            models.put(alias.name(), List.copyOf(targets));
        }
        return models;
    }

    /**
     * What the dispatcher needs: the aliases checked against every provider chatd knows, and
     * each provider's policy (one without a node gets the global settings and its type's
     * concurrency default).
     *
     * @throws ConfigException when an alias shadows a provider's prefix, has no targets or names an alias
     */
    public Dispatcher.Settings dispatcherSettings(List<String> knownProviders) {
        ModelAliases aliases;
        try {
            aliases = ModelAliases.checked(models, knownProviders);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        Map<String, ProviderPolicy> all = new LinkedHashMap<>(policies);
        for (String name : knownProviders) {
            int max = defaultMaxConcurrent(name, null);
            if (!all.containsKey(name) && max > 0) {
                all.put(
                        name,
                        new ProviderPolicy(
                                defaultPolicy.retry(),
                                defaultPolicy.circuit(),
                                new ConcurrencyLimit(
                                        max, defaultPolicy.concurrency().maxQueueWait()),
                                defaultPolicy.deadline()));
            }
        }
        return new Dispatcher.Settings(aliases, defaultPolicy, all);
    }

    private static HelidonTransport.Settings upstream(Config chatd) {
        long maxReply =
                atMost(chatd.get("max-reply-bytes"), DEFAULT_MAX_REPLY_BYTES, HelidonTransport.Settings.MAX_BYTES);
        long maxLine = atMost(
                chatd.get("max-stream-line-bytes"), DEFAULT_MAX_STREAM_LINE_BYTES, HelidonTransport.Settings.MAX_BYTES);
        long perHost = atMost(
                chatd.get("upstream.max-connections-per-host"),
                DEFAULT_UPSTREAM_MAX_CONNECTIONS_PER_HOST,
                Integer.MAX_VALUE);
        long idleSecs = positive(chatd.get("upstream.idle-timeout-secs"), DEFAULT_UPSTREAM_IDLE_TIMEOUT_SECS);
        return new HelidonTransport.Settings(maxReply, (int) maxLine, (int) perHost, Duration.ofSeconds(idleSecs));
    }

    private static long atMost(Config node, long orElse, long max) {
        return number(node, orElse, 1, max, "a positive whole number up to " + max);
    }

    private static ProviderSettings provider(Config node) {
        Long timeoutSecs = node.get("timeout-secs").exists() ? positive(node.get("timeout-secs"), 0) : null;
        Long idleSecs = node.get("stream-idle-timeout-secs").exists()
                ? positive(node.get("stream-idle-timeout-secs"), 0)
                : null;
        return new ProviderSettings(
                bool(node.get("enabled"), true),
                text(node.get("base-url"))
                        .map(value -> url(node.get("base-url"), value))
                        .orElse(null),
                text(node.get("key-env")).filter(s -> !s.isBlank()).orElse(null),
                text(node.get("key-file")).map(Path::of).orElse(null),
                timeoutSecs == null ? null : Duration.ofSeconds(timeoutSecs),
                idleSecs == null ? null : Duration.ofSeconds(idleSecs),
                node.get("headers").detach().asMap().orElse(Map.of()),
                node.detach().asMap().orElse(Map.of()),
                text(node.get("type"))
                        .map(String::strip)
                        .filter(t -> !t.isEmpty())
                        .orElse(null));
    }

    private static URI url(Config node, String value) {
        try {
            URI uri = URI.create(value.strip());
            if (uri.getScheme() == null
                    || uri.getHost() == null
                    || !uri.getScheme().startsWith("http")) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(node.key() + " = '" + value + "': expected an http(s) URL");
        }
    }

    /** Helidon maps any word it does not know to false; a typo must not switch a provider off. */
    private static boolean bool(Config node, boolean orElse) {
        String value = text(node).orElse(null);
        if (value == null) {
            return orElse;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "y", "on", "1" -> true;
            case "false", "no", "n", "off", "0" -> false;
            default -> throw new ConfigException(node.key() + " = '" + value + "': expected true or false");
        };
    }

    private static long positive(Config node, long orElse) {
        return number(node, orElse, 1, Long.MAX_VALUE, "a positive whole number");
    }

    /**
     * A whole number within bounds. Parsed here, not with Helidon's {@code asLong()}, whose
     * failure names its internal mapper instead of the key, the value and what was expected.
     */
    private static long number(Config node, long orElse, long min, long max, String expected) {
        String value = text(node).orElse(null);
        if (value == null) {
            return orElse;
        }
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below, with the key
        }
        throw new ConfigException(node.key() + " = '" + value + "': expected " + expected);
    }

    /** A single value; a section or a list where one value belongs is a mistake worth a clear line. */
    private static Optional<String> text(Config node) {
        if (!node.exists()) {
            return Optional.empty();
        }
        if (!node.isLeaf()) {
            throw new ConfigException(
                    node.key() + " is a " + (node.isList() ? "list" : "section") + ": expected a single value");
        }
        return node.asString().asOptional();
    }

    public ProviderRegistry.Settings registrySettings() {
        return new ProviderRegistry.Settings(defaultProvider, timeout, streamIdleTimeout, providers, upstream);
    }
}
