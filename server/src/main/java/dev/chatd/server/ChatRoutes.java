package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.kit.json.JsonCodec;
import io.helidon.common.buffers.DataReader;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The native API: {@code POST /chat} and {@code GET /chat/providers}, also under {@code /v1}. */
final class ChatRoutes implements HttpService {
    private final ProviderRegistry registry;
    private final long maxRequestBytes;
    private final Duration keepAlive;

    ChatRoutes(ProviderRegistry registry, long maxRequestBytes, Duration keepAlive) {
        this.registry = registry;
        this.maxRequestBytes = maxRequestBytes;
        this.keepAlive = keepAlive;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/chat", this::chat)
                .post("/v1/chat", this::chat)
                .get("/chat/providers", this::providers)
                .get("/v1/chat/providers", this::providers);
    }

    private void chat(ServerRequest req, ServerResponse res) {
        long started = System.nanoTime();
        String requestId = HttpSupport.requestId(req);
        NativeChat.Decoded decoded = NativeChat.decode(parseBody(req, maxRequestBytes));
        ChatRequest request = decoded.request();
        AccessLog.Entry log = AccessLog.of(req).model(request.model());
        ProviderRegistry.Route route = registry.route(request.model());
        log.provider(route.provider().name());
        if (decoded.stream()) {
            stream(req, res, request, route);
            return;
        }
        ChatResponse response = route.provider().chat(request.withModel(route.upstreamModel()));
        long latencyMs = (System.nanoTime() - started) / 1_000_000;
        String id = response.id() != null ? response.id() : "chatd-" + requestId;
        HttpSupport.json(res, NativeChat.encode(id, request.model(), route.provider().name(), response, latencyMs));
        log.reply(response.finishReason().wire(), response.usage());
    }

    /**
     * Streams the answer as server-sent events. Failures before the upstream accepted the call
     * are ordinary HTTP errors (thrown from here); later ones are an {@code event: error}.
     */
    private void stream(ServerRequest req, ServerResponse res, ChatRequest request, ProviderRegistry.Route route) {
        String requestId = HttpSupport.requestId(req);
        String provider = route.provider().name();
        String id = "chatd-" + requestId;
        StreamRelay.Outcome outcome = StreamRelay.relaySse(req, res, keepAlive,
                () -> route.provider().stream(request.withModel(route.upstreamModel())), new StreamRelay.Format() {
                    @Override
                    public void chunk(EventWriter sse, ChatChunk chunk) {
                        sse.data(NativeChat.chunkEvent(id, request.model(), provider, chunk));
                    }

                    @Override
                    public void error(EventWriter sse, ApiError error) {
                        sse.event("error", NativeChat.errorEvent(error, requestId));
                    }
                });
        AccessLog.of(req).stream(outcome);
    }

    private void providers(ServerRequest req, ServerResponse res) {
        Map<String, Boolean> statuses = new LinkedHashMap<>();
        for (String name : registry.names()) {
            statuses.put(name, registry.available(name));
        }
        HttpSupport.json(res, Map.of("providers", statuses));
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
        } catch (IOException | UncheckedIOException | CloseConnectionException
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
            throw new ChatException.InvalidRequest("the request body nests arrays and objects deeper than chatd accepts ("
                    + JsonCodec.MAX_DEPTH + " levels): " + e.getMessage());
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
        BodyStalled() {
            super("request body stalled", null, false, false);
        }
    }

    /** A request body over {@code chatd.max-request-bytes}: 413. */
    static final class BodyTooLarge extends RuntimeException {
        final long limit;

        BodyTooLarge(long limit) {
            super("request body is larger than " + limit + " bytes", null, false, false);
            this.limit = limit;
        }
    }
}
