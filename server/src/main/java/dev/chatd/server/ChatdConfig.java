package dev.chatd.server;

import dev.chatd.api.spi.Secret;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.ProviderSettings;
import dev.chatd.core.http.UpstreamTransport;
import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * chatd's configuration, read once at start-up from Helidon {@link Config} into typed values;
 * nothing reads {@code Config} on the request path.
 *
 * @param server the {@code server} node, handed to Helidon's WebServer as it is
 * @param authToken the inbound bearer token; empty means no authentication
 * @param upstream the upstream transport's limits: reply and stream-line sizes, connection pool
 */
public record ChatdConfig(
        Config server,
        Duration timeout,
        Duration streamIdleTimeout,
        Duration streamKeepAlive,
        long maxRequestBytes,
        String defaultProvider,
        Optional<Secret> authToken,
        Map<String, ProviderSettings> providers,
        UpstreamTransport.Settings upstream) {

    public static final int DEFAULT_TIMEOUT_SECS = 120;
    public static final int DEFAULT_STREAM_IDLE_TIMEOUT_SECS = 60;
    public static final int DEFAULT_STREAM_KEEPALIVE_SECS = 15;
    public static final long DEFAULT_MAX_REQUEST_BYTES = 4L * 1024 * 1024;
    public static final long DEFAULT_MAX_REPLY_BYTES = UpstreamTransport.Settings.DEFAULT_MAX_REPLY_BYTES;
    public static final int DEFAULT_MAX_STREAM_LINE_BYTES = UpstreamTransport.Settings.DEFAULT_MAX_STREAM_LINE_BYTES;
    public static final int DEFAULT_UPSTREAM_MAX_CONNECTIONS_PER_HOST =
            UpstreamTransport.Settings.DEFAULT_MAX_CONNECTIONS_PER_HOST;
    public static final int DEFAULT_UPSTREAM_IDLE_TIMEOUT_SECS =
            (int) UpstreamTransport.Settings.DEFAULT_IDLE_TIMEOUT.toSeconds();

    /** Reads the {@code chatd} node; an ill-typed value fails with a message naming its key. */
    public static ChatdConfig from(Config root, KeyResolver keys) {
        Config chatd = root.get("chatd");
        Duration timeout = Duration.ofSeconds(positive(chatd.get("timeout-secs"), DEFAULT_TIMEOUT_SECS));
        Duration idle = Duration.ofSeconds(positive(chatd.get("stream-idle-timeout-secs"), DEFAULT_STREAM_IDLE_TIMEOUT_SECS));
        Duration keepAlive = Duration.ofSeconds(positive(chatd.get("stream-keepalive-secs"), DEFAULT_STREAM_KEEPALIVE_SECS));
        long maxBytes = positive(chatd.get("max-request-bytes"), DEFAULT_MAX_REQUEST_BYTES);
        String defaultProvider = chatd.get("default-provider").asString().orElse("ollama");

        Config auth = chatd.get("auth");
        String tokenEnv = auth.get("token-env").asString().orElse("CHATD_AUTH_TOKEN");
        String tokenFile = auth.get("token-file").asString().orElse("");
        Optional<Secret> token = keys.resolve(tokenEnv, tokenEnv, tokenFile.isBlank() ? null : Path.of(tokenFile));

        Map<String, ProviderSettings> providers = new LinkedHashMap<>();
        for (Config node : chatd.get("providers").asNodeList().orElse(java.util.List.of())) {
            providers.put(node.name(), provider(node));
        }
        return new ChatdConfig(root.get("server"), timeout, idle, keepAlive, maxBytes, defaultProvider, token, providers,
                upstream(chatd));
    }

    private static UpstreamTransport.Settings upstream(Config chatd) {
        long maxReply = atMost(chatd.get("max-reply-bytes"), DEFAULT_MAX_REPLY_BYTES, UpstreamTransport.Settings.MAX_BYTES);
        long maxLine = atMost(chatd.get("max-stream-line-bytes"), DEFAULT_MAX_STREAM_LINE_BYTES,
                UpstreamTransport.Settings.MAX_BYTES);
        long perHost = atMost(chatd.get("upstream.max-connections-per-host"), DEFAULT_UPSTREAM_MAX_CONNECTIONS_PER_HOST,
                Integer.MAX_VALUE);
        long idleSecs = positive(chatd.get("upstream.idle-timeout-secs"), DEFAULT_UPSTREAM_IDLE_TIMEOUT_SECS);
        return new UpstreamTransport.Settings(maxReply, (int) maxLine, (int) perHost, Duration.ofSeconds(idleSecs));
    }

    private static long atMost(Config node, long orElse, long max) {
        long value = positive(node, orElse);
        if (value > max) {
            throw new ConfigException(node.key() + " must be at most " + max + ", got " + value);
        }
        return value;
    }

    private static ProviderSettings provider(Config node) {
        Long timeoutSecs = node.get("timeout-secs").exists() ? positive(node.get("timeout-secs"), 0) : null;
        Long idleSecs = node.get("stream-idle-timeout-secs").exists() ? positive(node.get("stream-idle-timeout-secs"), 0) : null;
        return new ProviderSettings(
                bool(node.get("enabled"), true),
                node.get("base-url").asString().map(value -> url(node.get("base-url"), value)).orElse(null),
                node.get("key-env").asString().filter(s -> !s.isBlank()).orElse(null),
                node.get("key-file").asString().map(Path::of).orElse(null),
                timeoutSecs == null ? null : Duration.ofSeconds(timeoutSecs),
                idleSecs == null ? null : Duration.ofSeconds(idleSecs),
                node.get("headers").detach().asMap().orElse(Map.of()),
                node.detach().asMap().orElse(Map.of()));
    }

    private static URI url(Config node, String value) {
        try {
            URI uri = URI.create(value.strip());
            if (uri.getScheme() == null || uri.getHost() == null || !uri.getScheme().startsWith("http")) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(node.key() + " '" + value + "' is not an http(s) URL");
        }
    }

    /** Helidon maps any word it does not know to false; a typo must not switch a provider off. */
    private static boolean bool(Config node, boolean orElse) {
        String value = node.asString().orElse(null);
        if (value == null) {
            return orElse;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "y", "on", "1" -> true;
            case "false", "no", "n", "off", "0" -> false;
            default -> throw new ConfigException(node.key() + " must be true or false, got '" + value + "'");
        };
    }

    private static long positive(Config node, long orElse) {
        long value = node.asLong().orElse(orElse);
        if (value <= 0) {
            throw new ConfigException(node.key() + " must be a positive number, got " + value);
        }
        return value;
    }

    public ProviderRegistry.Settings registrySettings() {
        return new ProviderRegistry.Settings(defaultProvider, timeout, streamIdleTimeout, providers, upstream);
    }
}
