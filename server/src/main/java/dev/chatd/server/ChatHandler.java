package dev.chatd.server;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.transport.UpstreamWait;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.server.ingress.ApiError;
import dev.chatd.server.ingress.Exchange;
import dev.chatd.server.ingress.Framing;
import dev.chatd.server.ingress.IngressCall;
import dev.chatd.server.ingress.IngressCodec;
import dev.chatd.server.ingress.StreamEncoder;
import io.helidon.common.buffers.DataReader;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

/**
 * The one chat endpoint behind every client API: reads the body (bounded), lets the codec
 * decode it, routes the model, calls the provider or relays its stream in the codec's shape
 * and framing, and fills in the access-log entry. Errors thrown from here reach the routing's
 * error handlers, which answer in the envelope of the codec mounted at the path.
 */
final class ChatHandler implements Handler {
    private final IngressCodec codec;
    private final ProviderRegistry registry;
    private final RecentModels recent;
    private final long maxRequestBytes;
    private final Duration keepAlive;
    private final boolean forwardForeignFields;

    ChatHandler(
            IngressCodec codec,
            ProviderRegistry registry,
            RecentModels recent,
            long maxRequestBytes,
            Duration keepAlive,
            boolean forwardForeignFields) {
        this.codec = codec;
        this.registry = registry;
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
        ProviderRegistry.Route route = registry.route(model);
        log.provider(route.provider().name());
        Exchange exchange =
                new Exchange(HttpSupport.requestId(req), model, route.provider().name(), received, started);
        Object answered = call.replyWithoutUpstream(exchange);
        if (answered != null) {
            HttpSupport.json(res, answered);
            log.reply("answered_locally", null); // no upstream call, no tokens
            return;
        }
        ChatRequest routed = call.request().withModel(route.upstreamModel());
        ChatRequest upstreamRequest = forwardForeignFields ? routed.withExtrasForEveryFormat() : routed;
        if (call.stream()) {
            StreamEncoder encoder = call.streamEncoder(exchange);
            log.streaming();
            // The SSE stream opens on a thread of its own; its wait for the upstream is still this request's.
            UpstreamWait wait = UpstreamWait.current();
            // An SSE stream may answer a slow upstream with keep-alives; NDJSON calls it before the 200.
            StreamRelay.Outcome outcome = codec.framing() == Framing.SSE
                    ? StreamRelay.relaySse(
                            req,
                            res,
                            keepAlive,
                            () -> wait == null
                                    ? open(route, upstreamRequest)
                                    : wait.during(() -> open(route, upstreamRequest)),
                            encoder)
                    : StreamRelay.relayNdjson(req, res, open(route, upstreamRequest), encoder);
            log.stream(outcome);
            if (outcome.chunks() > 0) {
                recent.served(model);
            }
            return;
        }
        ChatResponse response;
        try {
            // Every ingress hands out tool calls with ids, the upstream's or chatd's.
            response = IdentifiedToolCalls.of(route.provider().chat(upstreamRequest), codec::newToolCallId);
        } catch (ChatException e) {
            throw route.explain(e);
        }
        recent.served(model);
        HttpSupport.json(res, call.reply(response, exchange));
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
            provider = registry.route(model).provider().name();
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
            body = readAtMost(in, limit);
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

    private static byte[] readAtMost(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buffer = new byte[8192];
        long total = 0;
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
