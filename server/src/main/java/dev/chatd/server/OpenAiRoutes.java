package dev.chatd.server;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatChunk;
import dev.chatd.api.Usage;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatChunks;
import dev.chatd.kit.openai.OpenAiChatReplies;
import dev.chatd.kit.openai.OpenAiChatRequests;
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

/**
 * The OpenAI-compatible API: {@code POST /v1/chat/completions} (streaming and not) and
 * {@code GET /v1/models}, in OpenAI's exact shapes, so the official SDKs work unchanged.
 */
final class OpenAiRoutes implements HttpService {
    private final ProviderRegistry registry;
    private final ModelCatalog catalog;
    private final long maxRequestBytes;
    private final Duration keepAlive;

    OpenAiRoutes(ProviderRegistry registry, ModelCatalog catalog, long maxRequestBytes, Duration keepAlive) {
        this.registry = registry;
        this.catalog = catalog;
        this.maxRequestBytes = maxRequestBytes;
        this.keepAlive = keepAlive;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/chat/completions", this::completions)
                .get("/v1/models", this::models);
    }

    private void completions(ServerRequest req, ServerResponse res) {
        String requestId = HttpSupport.requestId(req);
        JsonObjectView body = JsonObjectView.of(ChatRoutes.parseBody(req, maxRequestBytes), "the request body",
                ChatException.InvalidRequest::new);
        ChatRequest request = OpenAiChatRequests.decodeRequest(body);
        boolean stream = Boolean.TRUE.equals(body.bool("stream"));
        JsonObjectView streamOptions = body.object("stream_options");
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        AccessLog.Entry log = AccessLog.of(req).model(request.model());
        ProviderRegistry.Route route = registry.route(request.model());
        log.provider(route.provider().name());
        String id = "chatcmpl-" + requestId;
        long created = System.currentTimeMillis() / 1000;
        if (stream) {
            stream(req, res, request, route, id, created, includeUsage);
            return;
        }
        ChatResponse response = route.provider().chat(request.withModel(route.upstreamModel()));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(JsonCodec.write(OpenAiChatReplies.encodeResponse(id, created, request.model(), response)));
        log.reply(response.finishReason().wire(), response.usage());
    }

    private void stream(ServerRequest req, ServerResponse res, ChatRequest request, ProviderRegistry.Route route,
            String id, long created, boolean includeUsage) {
        String model = request.model();
        StreamRelay.Outcome outcome = StreamRelay.relaySse(req, res, keepAlive,
                () -> route.provider().stream(request.withModel(route.upstreamModel())), new StreamRelay.Format() {
                    @Override
                    public void open(EventWriter sse) {
                        // OpenAI opens every stream with the role, then sends deltas.
                        sse.data(OpenAiChatChunks.encodeChunk(id, created, model,
                                new LinkedHashMap<>(Map.of("role", "assistant", "content", "")), null));
                    }

                    @Override
                    public void chunk(EventWriter sse, ChatChunk chunk) {
                        Map<String, Object> delta = OpenAiChatChunks.encodeDelta(chunk);
                        if (!delta.isEmpty()) {
                            sse.data(OpenAiChatChunks.encodeChunk(id, created, model, delta, null));
                        }
                        if (chunk.isFinal()) {
                            sse.data(OpenAiChatChunks.encodeChunk(id, created, model, Map.of(), chunk.finishReason()));
                            if (includeUsage) {
                                sse.data(OpenAiChatChunks.encodeUsageChunk(id, created, model,
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
        AccessLog.of(req).stream(outcome);
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
