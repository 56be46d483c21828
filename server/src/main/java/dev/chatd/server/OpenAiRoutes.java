package dev.chatd.server;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatChunk;
import dev.chatd.api.Usage;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.json.JsonCodec;
import dev.chatd.core.json.JsonObjectView;
import dev.chatd.core.wire.OpenAiWire;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Logger;

/**
 * The OpenAI-compatible API: {@code POST /v1/chat/completions} (streaming and not) and
 * {@code GET /v1/models}, in OpenAI's exact shapes, so the official SDKs work unchanged.
 */
final class OpenAiRoutes implements HttpService {
    private static final Logger LOG = Logger.getLogger(OpenAiRoutes.class.getName());

    private final ProviderRegistry registry;
    private final ModelCatalog catalog;
    private final long maxRequestBytes;
    private final ScheduledExecutorService scheduler;
    private final Duration keepAlive;

    OpenAiRoutes(ProviderRegistry registry, ModelCatalog catalog, long maxRequestBytes,
            ScheduledExecutorService scheduler, Duration keepAlive) {
        this.registry = registry;
        this.catalog = catalog;
        this.maxRequestBytes = maxRequestBytes;
        this.scheduler = scheduler;
        this.keepAlive = keepAlive;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/chat/completions", this::completions)
                .get("/v1/models", this::models);
    }

    private void completions(ServerRequest req, ServerResponse res) {
        long started = System.nanoTime();
        String requestId = HttpSupport.requestId(req);
        JsonObjectView body = JsonObjectView.of(ChatRoutes.parseBody(req, maxRequestBytes), "the request body",
                ChatException.InvalidRequest::new);
        ChatRequest request = OpenAiWire.decodeRequest(body);
        boolean stream = Boolean.TRUE.equals(body.bool("stream"));
        JsonObjectView streamOptions = body.object("stream_options");
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        ProviderRegistry.Route route = registry.route(request.model());
        String id = "chatcmpl-" + requestId;
        long created = System.currentTimeMillis() / 1000;
        if (stream) {
            stream(req, res, request, route, id, created, includeUsage, started);
            return;
        }
        ChatResponse response = route.provider().chat(request.withModel(route.upstreamModel()));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(JsonCodec.write(OpenAiWire.encodeResponse(id, created, request.model(), response)));
        long latencyMs = (System.nanoTime() - started) / 1_000_000;
        LOG.info(() -> "chat.completions id=" + requestId + " model=" + request.model() + " provider="
                + route.provider().name() + " finish=" + response.finishReason().wire() + " latency_ms=" + latencyMs);
    }

    private void stream(ServerRequest req, ServerResponse res, ChatRequest request, ProviderRegistry.Route route,
            String id, long created, boolean includeUsage, long started) {
        String model = request.model();
        StreamRelay.Outcome outcome = StreamRelay.relaySse(res, scheduler, keepAlive,
                () -> route.provider().stream(request.withModel(route.upstreamModel())), new StreamRelay.SseFormat() {
                    @Override
                    public void open(EventWriter sse) {
                        // OpenAI opens every stream with the role, then sends deltas.
                        sse.data(OpenAiWire.encodeChunk(id, created, model,
                                new LinkedHashMap<>(Map.of("role", "assistant", "content", "")), null));
                    }

                    @Override
                    public void chunk(EventWriter sse, ChatChunk chunk) {
                        Map<String, Object> delta = OpenAiWire.encodeDelta(chunk);
                        if (!delta.isEmpty()) {
                            sse.data(OpenAiWire.encodeChunk(id, created, model, delta, null));
                        }
                        if (chunk.isFinal()) {
                            sse.data(OpenAiWire.encodeChunk(id, created, model, Map.of(), chunk.finishReason()));
                            if (includeUsage) {
                                sse.data(OpenAiWire.encodeUsageChunk(id, created, model,
                                        chunk.usage() == null ? Usage.NONE : chunk.usage()));
                            }
                            sse.rawData("[DONE]");
                        }
                    }

                    @Override
                    public void error(EventWriter sse, ApiError error) {
                        sse.data(error.openAiBody());
                    }
                });
        HttpSupport.logStream(HttpSupport.requestId(req), model, route.provider().name(), outcome, started);
    }

    private void models(ServerRequest req, ServerResponse res) {
        List<Object> data = new ArrayList<>();
        for (ModelCatalog.Listed listed : catalog.all()) {
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("id", listed.id());
            model.put("object", "model");
            model.put("created", 0);
            model.put("owned_by", listed.provider());
            data.add(model);
        }
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("object", "list");
        list.put("data", data);
        res.send(JsonCodec.write(list));
    }

}
