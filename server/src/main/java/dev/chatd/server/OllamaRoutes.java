package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.Usage;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.stream.ToolCallAssembler;
import dev.chatd.kit.ollama.OllamaChatChunks;
import dev.chatd.kit.ollama.OllamaChatReplies;
import dev.chatd.kit.ollama.OllamaChatRequests;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Ollama-compatible API: {@code POST /api/chat} (NDJSON streaming by default),
 * {@code GET /api/tags} and {@code GET /api/version}, so Ollama clients reach every provider.
 * Model names carry chatd's prefixes ({@code openrouter/openai/gpt-4o}); bare names go to the
 * default provider, as everywhere.
 */
final class OllamaRoutes implements HttpService {
    /** The Ollama API level chatd speaks; clients that gate features on the version see a current one. */
    static final String OLLAMA_API_VERSION = "0.9.0";

    private final ProviderRegistry registry;
    private final ModelCatalog catalog;
    private final long maxRequestBytes;

    OllamaRoutes(ProviderRegistry registry, ModelCatalog catalog, long maxRequestBytes) {
        this.registry = registry;
        this.catalog = catalog;
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/api/chat", this::chat)
                .get("/api/tags", this::tags)
                .get("/api/version", (req, res) -> HttpSupport.json(res, Map.of("version", OLLAMA_API_VERSION)));
    }

    private void chat(ServerRequest req, ServerResponse res) {
        long started = System.nanoTime();
        JsonObjectView body = JsonObjectView.of(ChatRoutes.parseBody(req, maxRequestBytes), "the request body",
                ChatException.InvalidRequest::new);
        ChatRequest request = OllamaChatRequests.decodeRequest(body);
        AccessLog.Entry log = AccessLog.of(req).model(request.model());
        ProviderRegistry.Route route = registry.route(request.model());
        log.provider(route.provider().name());
        if (OllamaChatRequests.streams(body)) {
            stream(req, res, request, route, started);
            return;
        }
        ChatResponse response = route.provider().chat(request.withModel(route.upstreamModel()));
        HttpSupport.json(res, OllamaChatReplies.encodeResponse(request.model(), Instant.now().toString(), response, System.nanoTime() - started));
        log.reply(response.finishReason().wire(), response.usage());
    }

    private void stream(ServerRequest req, ServerResponse res, ChatRequest request, ProviderRegistry.Route route,
            long started) {
        String model = request.model();
        ChatStream stream = route.provider().stream(request.withModel(route.upstreamModel()));
        // Ollama clients expect whole tool calls; OpenAI-format upstreams stream them in pieces.
        ToolCallAssembler toolCalls = new ToolCallAssembler();
        StreamRelay.Outcome outcome = StreamRelay.relayNdjson(req, res, stream, new StreamRelay.Format() {
            @Override
            public void chunk(EventWriter out, ChatChunk chunk) {
                toolCalls.add(chunk.toolCalls());
                if (chunk.content() != null || chunk.reasoning() != null) {
                    out.data(OllamaChatChunks.encodeChunk(model, Instant.now().toString(), chunk.content(), chunk.reasoning()));
                }
                if (chunk.isFinal()) {
                    out.data(OllamaChatChunks.encodeFinal(model, Instant.now().toString(), toolCalls.calls(), chunk.finishReason(),
                            chunk.usage() == null ? Usage.NONE : chunk.usage(), System.nanoTime() - started));
                }
            }

            @Override
            public void error(EventWriter out, ApiError error) {
                out.data(error.ollamaBody());
            }
        });
        AccessLog.of(req).stream(outcome);
    }

    private void tags(ServerRequest req, ServerResponse res) {
        List<Object> models = new ArrayList<>();
        String now = Instant.now().toString();
        for (ModelCatalog.Listed listed : catalog.all()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("format", "");
            details.put("family", "");
            details.put("parameter_size", "");
            details.put("quantization_level", "");
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("name", listed.id());
            model.put("model", listed.id());
            model.put("modified_at", now);
            model.put("size", listed.model().sizeBytes());
            model.put("digest", "");
            model.put("details", details);
            models.add(model);
        }
        HttpSupport.json(res, Map.of("models", models));
    }
}
