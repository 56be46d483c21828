package dev.chatd.server;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.resilience.Dispatcher;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.server.ingress.ApiError;
import dev.chatd.server.ingress.Exchange;
import dev.chatd.server.ingress.Framing;
import dev.chatd.server.ingress.IngressCall;
import dev.chatd.server.ingress.IngressCodec;
import dev.chatd.server.ingress.StreamEncoder;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The one chat endpoint behind every client API: reads the body (bounded), lets the codec
 * decode it, routes the model, calls the provider or relays its stream in the codec's shape
 * and framing, and fills in the access-log entry. The {@link Dispatcher} picks the provider (each
 * target of an alias in turn) and retries; the reply's headers name what served it. Errors thrown from here reach the routing's
 * error handlers, which answer in the envelope of the codec mounted at the path.
 */
final class ChatHandler implements Handler {
    /** The provider that served a chat reply, set before its first byte. */
    static final HeaderName SERVED_BY_PROVIDER = HeaderNames.create("x-chatd-provider");
    /** The model its upstream was asked for (for an alias, which of its targets served). */
    static final HeaderName SERVED_BY_MODEL = HeaderNames.create("x-chatd-model");

    private final IngressCodec codec;
    private final Dispatcher dispatcher;
    private final RecentModels recent;
    private final long maxRequestBytes;
    private final Duration keepAlive;
    private final boolean forwardForeignFields;

    ChatHandler(
            IngressCodec codec,
            Dispatcher dispatcher,
            RecentModels recent,
            long maxRequestBytes,
            Duration keepAlive,
            boolean forwardForeignFields) {
        this.codec = codec;
        this.dispatcher = dispatcher;
        this.recent = recent;
        this.maxRequestBytes = maxRequestBytes;
        this.keepAlive = keepAlive;
        this.forwardForeignFields = forwardForeignFields;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long started = System.nanoTime();
        Instant received = Instant.now();
        IngressCall call = codec.decode(parseBody(req, maxRequestBytes));
        String model = call.request().model();
        AccessLog.Entry log = AccessLog.of(req).model(model);
        log.ingress(codec.name());
        ApiError forbidden = forbidden(req, model);
        if (forbidden != null) {
            HttpSupport.send(req, res, forbidden);
            return;
        }
        // Where an alias's first target goes; the provider that serves may be another.
        ProviderRegistry.Route route = dispatcher.route(model);
        log.provider(route.provider().name());
        Exchange exchange =
                new Exchange(HttpSupport.requestId(req), model, route.provider().name(), received, started);
        Object answered = call.replyWithoutUpstream(exchange);
        if (answered != null) {
            HttpSupport.json(res, answered);
            log.reply("answered_locally", null); // no upstream call, no tokens
            return;
        }
        if (call.stream()) {
            StreamEncoder encoder = call.streamEncoder(exchange);
            log.streaming();
            AtomicReference<Dispatcher.Served<ChatStream>> served = new AtomicReference<>();
            Supplier<ChatStream> open = () -> {
                Dispatcher.Served<ChatStream> s =
                        dispatcher.stream(model, target -> open(target, upstream(call, target)));
                served.set(s);
                return s.value();
            };
            StreamRelay.Outcome outcome;
            // An SSE stream may answer a slow upstream with keep-alives; NDJSON calls it before the 200.
            if (codec.framing() == Framing.SSE) {
                outcome = StreamRelay.relaySse(req, res, keepAlive, open, encoder, () -> servedBy(res, served.get()));
            } else {
                ChatStream stream = open.get();
                servedBy(res, served.get());
                outcome = StreamRelay.relayNdjson(req, res, stream, encoder);
            }
            log.served(served.get());
            log.stream(outcome);
            if (outcome.chunks() > 0) {
                recent.served(model);
            }
            return;
        }
        Dispatcher.Served<ChatResponse> served = dispatcher.call(model, target -> {
            try {
                // Every ingress hands out tool calls with ids, the upstream's or chatd's.
                return IdentifiedToolCalls.of(target.provider().chat(upstream(call, target)), codec::newToolCallId);
            } catch (ChatException e) {
                throw target.explain(e);
            }
        });
        ChatResponse response = served.value();
        log.served(served);
        recent.served(model);
        servedBy(res, served);
        Exchange replied = new Exchange(exchange.requestId(), model, served.provider(), received, started);
        HttpSupport.json(res, call.reply(response, replied));
        log.reply(response.finishReason().wire(), response.usage());
    }

    /**
     * The 403 for a client whose allow list ({@code chatd.auth.tokens[].allow}) does not name the
     * model or the provider it routes to; null when it may use it. Checked before anything is
     * routed or sent upstream; the message names the client, never its token.
     */
    private ApiError forbidden(ServerRequest req, String model) {
        ClientTokens.Client client = ClientTokens.of(req).orElse(null);
        if (client == null || client.allow().isEmpty() || client.allow().contains(model)) {
            return null;
        }
        String provider;
        try {
            // An alias is allowed by its own name only: its targets may go to any provider.
            provider = dispatcher.aliases().isAlias(model)
                    ? null
                    : dispatcher.route(model).provider().name();
        } catch (ChatException e) {
            // Routes nowhere (or to a disabled provider): judged by its prefix, as it names one.
            int slash = model.indexOf('/');
            provider = slash > 0 ? model.substring(0, slash) : null;
        }
        if (client.mayUse(model, provider)) {
            return null;
        }
        return ApiError.of(
                403,
                "forbidden",
                "client '" + client.name() + "' may not use model '" + model + "'"
                        + (provider == null ? "" : " (provider '" + provider + "')")
                        + "; its token allows " + String.join(", ", client.allow())
                        + " (chatd.auth.tokens, allow)");
    }

    /** The request as {@code target}'s upstream should see it. */
    private ChatRequest upstream(IngressCall call, ProviderRegistry.Route target) {
        ChatRequest routed = call.request().withModel(target.upstreamModel());
        return forwardForeignFields ? routed.withExtrasForEveryFormat() : routed;
    }

    /** Names what served the reply in its headers (the body names the model the client asked for). */
    private static void servedBy(ServerResponse res, Dispatcher.Served<?> served) {
        if (served != null) {
            res.header(SERVED_BY_PROVIDER, headerSafe(served.provider()));
            res.header(SERVED_BY_MODEL, headerSafe(served.upstreamModel()));
        }
    }

    /**
     * {@code value} as a header value that cannot end the header: the model name is the client's
     * text, and Helidon writes a value as it is given, so a line break in it would add headers of
     * the client's choosing. Bytes outside visible ASCII (and {@code %}) are percent-encoded as UTF-8.
     */
    static String headerSafe(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder safe = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c > ' ' && c < 0x7f && c != '%') {
                safe.append((char) c);
            } else {
                safe.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return safe.toString();
    }

    /** Opens the provider's stream; its failure to open is explained as a whole reply's is. */
    private ChatStream open(ProviderRegistry.Route route, ChatRequest request) {
        try {
            return IdentifiedToolCalls.of(route.provider().stream(request), codec::newToolCallId);
        } catch (ChatException e) {
            throw route.explain(e);
        }
    }

    /**
     * Reads and parses a JSON body of at most {@code limit} bytes. A declared length over the
     * limit is refused before reading; a chunked body is cut off as soon as it passes it.
     */
    static Object parseBody(ServerRequest req, long limit) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > limit) {
            throw new BodyTooLarge(limit);
        }
        byte[] body;
        // Not try-with-resources: closing a stream that failed reads again, waiting out a second timeout.
        InputStream in = req.content().inputStream();
        try {
            body = declared >= 0 ? readDeclared(in, (int) declared, limit) : readAtMost(in, limit);
            in.close();
        } catch (IOException
                | UncheckedIOException
                | CloseConnectionException
                | DataReader.InsufficientDataAvailableException e) {
            if (ClientTimeouts.isReadTimeout(e)) {
                throw new BodyStalled();
            }
            AccessLog.of(req).clientGone();
            throw new CloseConnectionException("client left mid-body", e);
        }
        try {
            return JsonCodec.parse(body);
        } catch (JsonCodec.NestedTooDeepException e) {
            throw new ChatException.InvalidRequest(
                    "the request body nests arrays and objects deeper than chatd accepts (" + JsonCodec.MAX_DEPTH
                            + " levels): " + e.getMessage());
        } catch (JsonCodec.MalformedJsonException e) {
            throw new ChatException.InvalidRequest("the request body is not valid JSON: " + e.getMessage());
        }
    }

    /**
     * A body whose {@code Content-Length} is known (and already checked against the limit): read
     * into one array of exactly that size, instead of an 8 KiB buffer copied into a growing one
     * and copied out again (for a 64 KiB body that was ~5 copies; for a 160 B one, 16 KiB of
     * buffers). Helidon's entity stream ends at the declared length, so a short body shows as
     * a short read, which is kept as it came (the parser then says what is missing).
     */
    private static byte[] readDeclared(InputStream in, int declared, long limit) throws IOException {
        // Not readNBytes(int): it reads in 16 KiB pieces and joins them, a copy more.
        byte[] body = new byte[declared];
        int read = in.readNBytes(body, 0, declared);
        if (read < declared) {
            return Arrays.copyOf(body, read);
        }
        int next = in.read();
        if (next < 0) {
            return body;
        }
        // Cannot happen with Helidon's length-bounded stream; kept so that the limit holds regardless.
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared + 8192);
        out.write(body);
        out.write(next);
        return readAtMost(in, limit, out);
    }

    private static byte[] readAtMost(InputStream in, long limit) throws IOException {
        return readAtMost(in, limit, new ByteArrayOutputStream(8192));
    }

    private static byte[] readAtMost(InputStream in, long limit, ByteArrayOutputStream out) throws IOException {
        if (out.size() > limit) {
            throw new BodyTooLarge(limit);
        }
        byte[] buffer = new byte[8192];
        long total = out.size();
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > limit) {
                throw new BodyTooLarge(limit);
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** A request body that stopped arriving for {@code chatd.client-read-timeout-secs}: 408. */
    static final class BodyStalled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyStalled() {
            super("request body stalled", null, false, false);
        }
    }

    /** A request body over {@code chatd.max-request-bytes}: 413. */
    static final class BodyTooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final long limit;

        BodyTooLarge(long limit) {
            super("request body is larger than " + limit + " bytes", null, false, false);
            this.limit = limit;
        }
    }
}
