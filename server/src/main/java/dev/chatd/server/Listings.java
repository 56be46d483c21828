package dev.chatd.server;

import dev.chatd.core.ProviderRegistry;
import io.helidon.webserver.http.Handler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The simple routes beside chat: what providers and models chatd has, in each API's shape. */
final class Listings {
    /** The Ollama API level chatd speaks; clients that gate features on the version see a current one. */
    static final String OLLAMA_API_VERSION = "0.9.0";

    private Listings() {}

    /** Native {@code /chat/providers}: {@code {"providers":{name: available}}}. */
    static Handler providers(ProviderRegistry registry) {
        return (req, res) -> {
            Map<String, Boolean> statuses = new LinkedHashMap<>();
            for (String name : registry.names()) {
                statuses.put(name, registry.available(name));
            }
            HttpSupport.json(res, Map.of("providers", statuses));
        };
    }

    /** OpenAI's {@code /v1/models}: {@code {"object":"list","data":[{"id","object","created","owned_by"}]}}. */
    static Handler openAiModels(ModelCatalog catalog) {
        return (req, res) -> {
            List<Object> data = new ArrayList<>();
            for (ModelCatalog.Listed listed : catalog.all()) {
                Map<String, Object> model = new LinkedHashMap<>();
                model.put("id", listed.id());
                model.put("object", "model");
                model.put("created", 0);
                model.put("owned_by", listed.provider());
                data.add(model);
            }
            Map<String, Object> list = new LinkedHashMap<>();
            list.put("object", "list");
            list.put("data", data);
            HttpSupport.json(res, list);
        };
    }

    /** Ollama's {@code /api/tags}: {@code {"models":[{"name","model","modified_at","size","digest","details"}]}}. */
    static Handler ollamaTags(ModelCatalog catalog) {
        return (req, res) -> {
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
        };
    }

    /**
     * Ollama's {@code /api/ps}: {@code {"models":[{"name","model","size","digest","details",
     * "expires_at","size_vram"}]}}. chatd holds no model in memory, so it lists the models it
     * served within Ollama's default keep-alive, each expiring five minutes after its last use,
     * with sizes of 0: what a front end shows as "in use", and no memory claimed.
     */
    static Handler ollamaRunning(RecentModels recent) {
        return (req, res) -> {
            List<Object> models = new ArrayList<>();
            for (RecentModels.Used used : recent.current()) {
                String family = OllamaShowRoute.familyOf(used.model());
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("parent_model", "");
                details.put("format", "");
                details.put("family", family == null ? "" : family);
                details.put("families", family == null ? List.of() : List.of(family));
                details.put("parameter_size", "");
                details.put("quantization_level", "");
                Map<String, Object> model = new LinkedHashMap<>();
                model.put("name", used.model());
                model.put("model", used.model());
                model.put("size", 0);
                model.put("digest", "");
                model.put("details", details);
                model.put("expires_at", used.expiresAt().toString());
                model.put("size_vram", 0);
                models.add(model);
            }
            HttpSupport.json(res, Map.of("models", models));
        };
    }

    /** Ollama's {@code /api/version}. */
    static Handler ollamaVersion() {
        return (req, res) -> HttpSupport.json(res, Map.of("version", OLLAMA_API_VERSION));
    }
}
