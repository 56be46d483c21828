package dev.chatd.server;

import dev.chatd.api.Usage;
import dev.chatd.core.resilience.Dispatcher;
import dev.chatd.server.ingress.ApiError;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.io.UncheckedIOException;
import java.util.logging.Logger;

/**
 * The access log: one line per request, written by a filter when the request is over, whatever
 * happened (errors, refusals and streams whose client left included). Routes fill in what only
 * they know (model, provider, outcome, tokens) on the request's {@link Entry}. The line is
 * logfmt: {@code key=value}, with any value that could break it quoted and escaped, so no
 * client-supplied text can forge a line or a field.
 */
final class AccessLog {
    private static final Logger LOG = Logger.getLogger(AccessLog.class.getName());
    private static final String KEY = "chatd.access-log-entry";

    private AccessLog() {}

    /** What a route learnt about its request. */
    static final class Entry {
        private volatile String model;
        private volatile String provider;
        private volatile String servedBy;
        private volatile int attempts;
        private volatile String fallbacks;
        private volatile String outcome;
        private volatile String detail;
        private volatile int chunks = -1;
        private volatile Usage usage;

        Entry model(String model) {
            this.model = model;
            return this;
        }

        void provider(String provider) {
            this.provider = provider;
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
        }

        /** The client left before its request was whole. */
        void clientGone() {
            this.outcome = "client went away";
        }

        void error(ApiError error) {
            this.outcome = error.type();
            this.detail = error.message();
        }
    }

    /** The entry of {@code req}; a detached one outside the filter, so routes never check. */
    static Entry of(ServerRequest req) {
        return req.context().get(KEY, Entry.class).orElseGet(Entry::new);
    }

    /** The filter: assigns the request id, runs the request, writes its line. */
    static void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long started = System.nanoTime();
        HttpSupport.assignRequestId(req, res);
        Entry entry = new Entry();
        req.context().register(KEY, entry);
        try {
            chain.proceed();
        } catch (ServerConnectionException | UncheckedIOException e) {
            entry.outcome = "client went away";
            throw e;
        } catch (CloseConnectionException e) {
            // The reply is done and the connection ends, as asked (Connection: close) or as the route decided.
            throw e;
        } catch (RuntimeException | Error e) {
            // Only what Helidon's error handling lets through: a reply that failed after it started.
            entry.outcome = "failed";
            entry.detail = e.toString();
            throw e;
        } finally {
            long latencyMs = (System.nanoTime() - started) / 1_000_000;
            LOG.info(() -> line(
                    HttpSupport.requestId(req),
                    req.prologue().method().text(),
                    req.prologue().uriPath().rawPath(),
                    res.status().code(),
                    entry,
                    latencyMs));
        }
    }

    static String line(String id, String method, String path, int status, Entry entry, long latencyMs) {
        StringBuilder line = new StringBuilder(200).append("access");
        field(line, "id", id);
        field(line, "method", method);
        field(line, "path", path);
        field(line, "model", entry.model);
        field(line, "provider", entry.provider);
        field(line, "served_by", entry.servedBy);
        if (entry.attempts > 0) {
            line.append(" attempts=").append(entry.attempts);
        }
        field(line, "fallbacks", entry.fallbacks);
        line.append(" status=").append(status);
        field(line, "outcome", entry.outcome);
        field(line, "error", entry.detail);
        if (entry.chunks >= 0) {
            line.append(" chunks=").append(entry.chunks);
        }
        Usage usage = entry.usage;
        if (usage != null && usage.totalTokens() > 0) {
            line.append(" prompt_tokens=")
                    .append(usage.promptTokens())
                    .append(" completion_tokens=")
                    .append(usage.completionTokens());
            if (usage.cachedTokens() != null) {
                line.append(" cached_tokens=").append(usage.cachedTokens());
            }
            if (usage.reasoningTokens() != null) {
                line.append(" reasoning_tokens=").append(usage.reasoningTokens());
            }
            if (usage.cost() != null) {
                line.append(" cost=").append(usage.cost().toPlainString());
            }
        }
        line.append(" latency_ms=").append(latencyMs);
        return line.toString();
    }

    private static void field(StringBuilder line, String key, String value) {
        if (value != null) {
            line.append(' ').append(key).append('=').append(quoted(value));
        }
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
