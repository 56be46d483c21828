package dev.chatd.core.http;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import dev.chatd.core.json.JsonCodec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One provider's way to its upstream, made once when the provider is created: the shared
 * pooled {@link HttpClient}, the base URL, the headers every call carries (the key among them),
 * and the deadline. Transport failures become {@link ChatException}s that name the provider and
 * host; anything the upstream says is stripped of the key before it can reach a caller.
 */
public final class UpstreamClient {
    /** chatd says who it is; it never poses as another client. */
    public static final String USER_AGENT = "chatd/0.1";
    private final String provider;
    private final HttpClient http;
    private final String baseUrl;
    private final Map<String, String> headers;
    private final Duration timeout;
    private final Optional<Secret> key;
    private final String where;

    private UpstreamClient(ProviderContext context, Map<String, String> headers) {
        this.provider = context.name();
        this.http = context.httpClient();
        String base = context.baseUrl().toString();
        this.baseUrl = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.headers = Map.copyOf(headers);
        this.timeout = context.timeout();
        this.key = context.key();
        URI uri = context.baseUrl();
        this.where = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
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

    /**
     * The client shared by every provider: HTTP/1.1 keep-alive connections pooled per host,
     * callbacks on virtual threads. Made once at start-up.
     */
    public static HttpClient newSharedClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
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

    /** POSTs a JSON tree to {@code base-url + path} and waits for the whole reply. */
    public UpstreamReply postJson(String path, Object body) {
        HttpRequest.Builder request = request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JsonCodec.write(body)));
        return send(request, timeout);
    }

    /**
     * POSTs a JSON tree and returns as soon as the upstream's status and headers arrive (within
     * the timeout), leaving the body to be read as a stream.
     */
    public UpstreamStream postJsonStreaming(String path, Object body, Duration idleTimeout) {
        HttpRequest.Builder request = request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JsonCodec.write(body)));
        // No request timeout: from JDK 26 on it covers the body too (JDK-8208693) and would cut a
        // healthy stream. The wait for the headers is bounded here, the body by UpstreamStream.
        CompletableFuture<HttpResponse<java.util.concurrent.Flow.Publisher<java.util.List<java.nio.ByteBuffer>>>> call =
                http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofPublisher());
        HttpResponse<java.util.concurrent.Flow.Publisher<java.util.List<java.nio.ByteBuffer>>> response;
        try {
            response = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw timedOut(timeout);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ChatException.UpstreamFailure("interrupted while waiting for " + provider);
        } catch (ExecutionException e) {
            throw transportFailure(e.getCause(), timeout);
        }
        return new UpstreamStream(this, response.statusCode(), response.headers(), response.body(), timeout, idleTimeout);
    }

    /** Maps a failure while a streamed body was arriving. */
    ChatException streamFailure(Throwable failure) {
        if (failure instanceof HttpTimeoutException) {
            return timedOut(timeout);
        }
        return new ChatException.UpstreamFailure(provider + " at " + where
                + " closed the connection before the answer was complete", failure);
    }

    /** GETs {@code base-url + path}, waiting at most {@code limit}. */
    public UpstreamReply get(String path, Duration limit) {
        return send(request(path).GET(), limit);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Accept", "application/json");
        headers.forEach(builder::setHeader);
        return builder;
    }

    private UpstreamReply send(HttpRequest.Builder request, Duration limit) {
        CompletableFuture<HttpResponse<byte[]>> call =
                http.sendAsync(request.timeout(limit).build(), HttpResponse.BodyHandlers.ofByteArray());
        try {
            // The request timeout covers the headers only; this bounds the body too.
            HttpResponse<byte[]> response = call.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return new UpstreamReply(this, response.statusCode(), response.headers(), response.body());
        } catch (TimeoutException e) {
            call.cancel(true);
            throw timedOut(limit);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ChatException.UpstreamFailure("interrupted while waiting for " + provider);
        } catch (ExecutionException e) {
            throw transportFailure(e.getCause(), limit);
        }
    }

    private ChatException timedOut(Duration limit) {
        return new ChatException.UpstreamTimeout(provider + " did not answer within " + seconds(limit)
                + "; raise chatd.timeout-secs or the provider's timeout-secs if the model is slow", limit);
    }

    /** Maps a failure of the exchange itself (no HTTP status) to the caller's error. */
    public ChatException transportFailure(Throwable failure, Duration limit) {
        if (failure instanceof HttpConnectTimeoutException) {
            return new ChatException.UpstreamTimeout("could not connect to " + provider + " at " + where
                    + " within the connect timeout", limit);
        }
        if (failure instanceof HttpTimeoutException) {
            return timedOut(limit);
        }
        if (failure instanceof ConnectException || failure instanceof UnresolvedAddressException
                || (failure != null && failure.getCause() instanceof UnresolvedAddressException)) {
            return new ChatException.UpstreamFailure("cannot reach " + provider + " at " + where
                    + " (connection refused or host unknown); check that it runs and its base-url", failure);
        }
        if (failure instanceof IOException) {
            return new ChatException.UpstreamFailure(provider + " at " + where
                    + " closed or reset the connection before answering", failure);
        }
        return new ChatException.UpstreamFailure("call to " + provider + " failed", failure);
    }

    private static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
