package dev.chatd.server;

import dev.chatd.api.Usage;
import dev.chatd.core.resilience.Dispatcher;
import dev.chatd.core.transport.TraceHeaders;
import dev.chatd.core.transport.UpstreamWait;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.server.ingress.ApiError;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The access log: one line per request, written by a filter when the request is over, whatever
 * happened (errors, refusals and streams whose client left included). Routes fill in what only
 * they know (model, provider, outcome, tokens) on the request's {@link Entry}. The line is
 * logfmt: {@code key=value}, with any value that could break it quoted and escaped, so no
 * client-supplied text can forge a line or a field; or, with {@code chatd.log.format: json}, the
 * same fields as one JSON object with a {@code time}, for log shippers.
 *
 * <p>The filter also sets up the request's trace context ({@link TraceParent}): the access line
 * names its trace id, and every upstream request the call makes carries it.
 */
final class AccessLog {
    private static final Logger LOG = Logger.getLogger(AccessLog.class.getName());
    private static final String KEY = "chatd.access-log-entry";
    /** The {@code error.type} of a request whose client left before its answer was whole. */
    static final String CLIENT_GONE = "client_went_away";

    private static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");
    private static final HeaderName TRACESTATE = HeaderNames.create("tracestate");

    private AccessLog() {}

    /** What a route learnt about its request. */
    static final class Entry {
        private volatile String client;
        private volatile String traceId;
        private volatile String model;
        private volatile String provider;
        private volatile String servedBy;
        private volatile int attempts;
        private volatile String fallbacks;
        private volatile String outcome;
        private volatile String detail;
        private volatile int chunks = -1;
        private volatile Usage usage;
        private volatile String ingress;
        private volatile String errorType;
        private volatile long firstChunkNanos;
        private long started;
        private ChatdMetrics metrics;
        private boolean streaming;

        /** The name of the client whose token the request carried ({@code chatd.auth.tokens}), or null. */
        String client() {
            return client;
        }

        void client(String client) {
            this.client = client;
        }

        /** The request's W3C trace id (the client's, or one chatd started), or null outside the filter. */
        String traceId() {
            return traceId;
        }

        Entry model(String model) {
            this.model = model;
            return this;
        }

        void provider(String provider) {
            this.provider = provider;
        }

        /** The client API the request came in by (its codec's name): a chat request. */
        void ingress(String ingress) {
            this.ingress = ingress;
        }

        String ingress() {
            return ingress;
        }

        String providerName() {
            return provider;
        }

        String modelName() {
            return model;
        }

        Usage usage() {
            return usage;
        }

        /** How long after the request arrived the first chunk went to the client; 0 for none. */
        long firstChunkNanos() {
            return firstChunkNanos;
        }

        /** A stream's first chunk is being written now. */
        void firstChunk() {
            if (firstChunkNanos == 0 && started != 0) {
                firstChunkNanos = Math.max(1, System.nanoTime() - started);
            }
        }

        /** A stream is being relayed: counted in {@code chatd.streams.active} until the request ends. */
        void streaming() {
            if (metrics != null && !streaming) {
                streaming = true;
                metrics.streamOpened();
            }
        }

        /** Why the request failed, for {@code error.type}; null when it did not. */
        String errorType(int status) {
            String type = errorType;
            return type == null && status >= 400 ? Integer.toString(status) : type;
        }

        /**
         * What served the request: {@code provider} becomes the serving provider, and the line
         * gains {@code served_by=<provider>/<upstream model>}, {@code attempts} (upstream calls
         * made) and, when an alias's targets were given up, {@code fallbacks} (those targets, in order).
         */
        void served(Dispatcher.Served<?> served) {
            if (served == null) {
                return; // a stream that had not opened yet
            }
            this.provider = served.provider();
            this.servedBy = served.provider() + "/" + served.upstreamModel();
            this.attempts = served.attempts();
            this.fallbacks = served.fallbacks().isEmpty() ? null : String.join(",", served.fallbacks());
        }

        /** A whole reply: its finish reason and tokens. */
        void reply(String finish, Usage usage) {
            this.outcome = finish;
            this.usage = usage;
        }

        void stream(StreamRelay.Outcome relayed) {
            this.outcome = relayed.result();
            this.detail = relayed.detail();
            this.chunks = relayed.chunks();
            this.usage = relayed.usage();
            if (StreamRelay.CLIENT_GONE.equals(relayed.result())) {
                this.errorType = CLIENT_GONE;
            } else if (StreamRelay.SHUT_DOWN.equals(relayed.result())) {
                this.errorType = "shutting_down";
            } else if (relayed.detail() != null) {
                this.errorType = relayed.result(); // the error event's type
            }
        }

        /** The client left before its request was whole. */
        void clientGone() {
            this.outcome = "client went away";
            this.errorType = CLIENT_GONE;
        }

        void error(ApiError error) {
            this.outcome = error.type();
            this.detail = error.message();
            this.errorType = error.type();
        }
    }

    /** The entry of {@code req}; a detached one outside the filter, so routes never check. */
    static Entry of(ServerRequest req) {
        return req.context().get(KEY, Entry.class).orElseGet(Entry::new);
    }

    /** The filter writing lines in {@code format}, without metrics. */
    static Filter filter(LogFormat format) {
        return filter(format, null);
    }

    /** The filter writing lines in {@code format} and recording each request in {@code metrics}. */
    static Filter filter(LogFormat format, ChatdMetrics metrics) {
        return (chain, req, res) -> filter(format, metrics, chain, req, res);
    }

    /**
     * Assigns the request id, sets up the trace context for the call's upstream requests, runs
     * the request, writes its line and records its metrics from the same entry. It binds an
     * {@link UpstreamWait} to the request, which the upstream transport adds its waiting to: the
     * request's time less that is chatd's overhead.
     */
    private static void filter(
            LogFormat format, ChatdMetrics metrics, FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long started = System.nanoTime();
        HttpSupport.assignRequestId(req, res);
        Entry entry = new Entry();
        entry.started = started;
        entry.metrics = metrics;
        req.context().register(KEY, entry);
        UpstreamWait wait = UpstreamWait.begin();
        TraceParent trace = TraceParent.of(
                req.headers().first(TRACEPARENT).orElse(null),
                req.headers().first(TRACESTATE).orElse(null));
        entry.traceId = trace.traceId();
        // The handler runs on this thread; a stream opened on another re-binds what it finds here.
        TraceHeaders.Binding bound = TraceHeaders.bind(trace.upstreamHeaders());
        try {
            chain.proceed();
        } catch (ServerConnectionException | UncheckedIOException e) {
            entry.outcome = "client went away";
            entry.errorType = CLIENT_GONE;
            throw e;
        } catch (CloseConnectionException e) {
            // The reply is done and the connection ends, as asked (Connection: close) or as the route decided.
            throw e;
        } catch (RuntimeException | Error e) {
            // Only what Helidon's error handling lets through: a reply that failed after it started.
            entry.outcome = "failed";
            entry.detail = e.toString();
            entry.errorType = "internal";
            throw e;
        } finally {
            bound.close();
            wait.end();
            long elapsed = System.nanoTime() - started;
            long latencyMs = elapsed / 1_000_000;
            if (metrics != null) {
                if (entry.streaming) {
                    metrics.streamClosed();
                }
                metrics.requestEnded(entry, res.status().code(), elapsed, wait.nanos());
            }
            Instant ended = Instant.now();
            LOG.info(() -> {
                Map<String, Object> fields = fields(
                        HttpSupport.requestId(req),
                        req.prologue().method().text(),
                        req.prologue().uriPath().rawPath(),
                        res.status().code(),
                        entry,
                        latencyMs);
                return format == LogFormat.JSON ? json(ended, fields) : text(fields);
            });
        }
    }

    /**
     * The line's fields in order, absent ones left out; strings are quoted when written, numbers
     * are not. Both formats write exactly these.
     */
    static Map<String, Object> fields(String id, String method, String path, int status, Entry entry, long latencyMs) {
        Map<String, Object> fields = new LinkedHashMap<>();
        put(fields, "id", id);
        put(fields, "method", method);
        put(fields, "path", path);
        put(fields, "client", entry.client);
        put(fields, "model", entry.model);
        put(fields, "provider", entry.provider);
        put(fields, "served_by", entry.servedBy);
        if (entry.attempts > 0) {
            fields.put("attempts", entry.attempts);
        }
        put(fields, "fallbacks", entry.fallbacks);
        fields.put("status", status);
        put(fields, "outcome", entry.outcome);
        put(fields, "error", entry.detail);
        if (entry.chunks >= 0) {
            fields.put("chunks", entry.chunks);
        }
        Usage usage = entry.usage;
        if (usage != null && usage.totalTokens() > 0) {
            fields.put("prompt_tokens", usage.promptTokens());
            fields.put("completion_tokens", usage.completionTokens());
            put(fields, "cached_tokens", usage.cachedTokens());
            put(fields, "reasoning_tokens", usage.reasoningTokens());
            put(fields, "cost", usage.cost());
        }
        fields.put("latency_ms", latencyMs);
        put(fields, "trace_id", entry.traceId);
        return fields;
    }

    private static void put(Map<String, Object> fields, String key, Object value) {
        if (value != null) {
            fields.put(key, value);
        }
    }

    /** The logfmt line: {@code access key=value ...}. */
    static String text(Map<String, Object> fields) {
        StringBuilder line = new StringBuilder(200).append("access");
        fields.forEach((key, value) -> line.append(' ')
                .append(key)
                .append('=')
                .append(
                        value instanceof String s
                                ? quoted(s)
                                : value instanceof BigDecimal d ? d.toPlainString() : value));
        return line.toString();
    }

    /** The JSON line: the time the request ended, then the same fields, escaped by chatd's JSON writer. */
    static String json(Instant time, Map<String, Object> fields) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("time", time.toString());
        object.put("log", "access");
        object.putAll(fields);
        return JsonCodec.writeString(object);
    }

    /**
     * The value as it is when it is a plain token, else in double quotes with {@code "} and
     * {@code \} escaped and every control or line-separating character as an escape sequence.
     */
    static String quoted(String value) {
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
        }
        if (plain) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 8).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
