package dev.chatd.kit.http;

import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import dev.chatd.api.spi.Transport;
import dev.chatd.kit.json.JsonCodec;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One provider's way to its upstream, made once when the provider is created: the host's
 * {@link Transport} ({@link ProviderContext#transport()}), the base URL, the headers every call
 * carries (the key among them), and the deadline. Anything the upstream says is stripped of the
 * key before it can reach a caller; failures of the exchange itself come from the transport as
 * {@link dev.chatd.api.ChatException}s that name the provider and host.
 *
 * @since 0.2
 */
public final class UpstreamClient {
    /** chatd says who it is; it never poses as another client. */
    public static final String USER_AGENT = "chatd/0.1";
    /** A provider building paths from its input would otherwise grow the cache without end. */
    private static final int MAX_CACHED_PATHS = 64;

    private final String provider;
    private final Transport transport;
    private final String baseUrl;
    private final List<Map.Entry<String, String>> headers;
    private final List<Map.Entry<String, String>> jsonHeaders;
    private final Duration timeout;
    private final Optional<Secret> key;
    /** Each path's URI, parsed once: providers call a handful of constant paths. */
    private final Map<String, URI> uris = new ConcurrentHashMap<>();

    private UpstreamClient(ProviderContext context, Map<String, String> headers) {
        this.provider = context.name();
        this.transport = context.transport();
        String base = context.baseUrl().toString();
        this.baseUrl = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        List<Map.Entry<String, String>> built = new ArrayList<>(headers.size() + 1);
        built.add(Map.entry("Accept", "application/json"));
        headers.forEach((name, value) -> built.add(Map.entry(name, value)));
        this.headers = List.copyOf(built);
        built.add(Map.entry("Content-Type", "application/json"));
        this.jsonHeaders = List.copyOf(built);
        this.timeout = context.timeout();
        this.key = context.key();
    }

    /**
     * A client for the context's upstream. With {@code bearer} set, the context's key (when it
     * has one) goes out as {@code Authorization: Bearer}. Configured headers come last, so an
     * operator can override any default.
     */
    public static UpstreamClient create(ProviderContext context, boolean bearer, Map<String, String> defaultHeaders) {
        // Header names are case-insensitive: a configured "user-agent" must replace "User-Agent".
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("User-Agent", USER_AGENT);
        headers.putAll(defaultHeaders);
        if (bearer) {
            context.key().ifPresent(k -> headers.put("Authorization", "Bearer " + k.reveal()));
        }
        headers.putAll(context.headers());
        return new UpstreamClient(context, headers);
    }

    public String provider() {
        return provider;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Removes the key from text that came from the upstream. */
    public String redact(String text) {
        return key.map(k -> k.redact(text)).orElse(text);
    }

    /**
     * POSTs a JSON tree to {@code base-url + path} and waits for the whole reply: connecting, the
     * TLS handshake, the headers and the entire body all within the timeout.
     */
    public UpstreamReply postJson(String path, Object body) {
        return reply(transport.exchange(call("POST", path, JsonCodec.write(body), timeout)));
    }

    /** GETs {@code base-url + path}: the whole exchange within {@code limit}. */
    public UpstreamReply get(String path, Duration limit) {
        return reply(transport.exchange(call("GET", path, null, limit)));
    }

    /**
     * POSTs a JSON tree and returns as soon as the upstream's status and headers arrive (within
     * the timeout, connecting and the TLS handshake included), leaving the body to be read line
     * by line: the first byte within the timeout too, every later one within {@code idleTimeout}.
     */
    public UpstreamStream postJsonStreaming(String path, Object body, Duration idleTimeout) {
        return new UpstreamStream(
                this, transport.open(call("POST", path, JsonCodec.write(body), timeout), idleTimeout));
    }

    private Transport.Call call(String method, String path, byte[] body, Duration deadline) {
        URI uri = uris.get(path);
        if (uri == null) {
            uri = URI.create(baseUrl + path);
            if (uris.size() < MAX_CACHED_PATHS) {
                uris.put(path, uri);
            }
        }
        return new Transport.Call(provider, method, uri, body == null ? headers : jsonHeaders, body, deadline);
    }

    private UpstreamReply reply(Transport.Reply reply) {
        return new UpstreamReply(this, reply.status(), reply.headers(), reply.body());
    }
}
