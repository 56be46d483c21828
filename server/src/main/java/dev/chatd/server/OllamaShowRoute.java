package dev.chatd.server;

import dev.chatd.api.ChatException;
import dev.chatd.api.ModelDetails;
import dev.chatd.core.ProviderRegistry;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.ollama.OllamaShow;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.Locale;

/**
 * Ollama's {@code POST /api/show}: a model's family, context length and capabilities. The model
 * is routed as a chat request's is; the provider's upstream says what it knows
 * ({@link dev.chatd.api.spi.ChatProvider#details}), and where it says nothing chatd answers
 * with what it knows: a chat model that takes tools, of the family its name begins with.
 */
final class OllamaShowRoute implements Handler {
    /** A show request is one name; a bigger body is no show request. */
    static final long MAX_BODY_BYTES = 64 * 1024;

    private final ProviderRegistry registry;

    OllamaShowRoute(ProviderRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        JsonObjectView body = JsonObjectView.of(
                ChatHandler.parseBody(req, MAX_BODY_BYTES), "the request body", ChatException.InvalidRequest::new);
        String model = OllamaShow.requestedModel(body);
        AccessLog.Entry log = AccessLog.of(req).model(model);
        ProviderRegistry.Route route = registry.route(model);
        log.provider(route.provider().name());
        ModelDetails said;
        try {
            said = route.provider().details(route.upstreamModel()).orElse(null);
        } catch (ChatException.ModelNotFound e) {
            // Ollama's own words, which clients match to offer a pull or a pick of another model.
            throw new ChatException.ModelNotFound("model '" + model + "' not found");
        }
        HttpSupport.json(res, OllamaShow.encodeReply(completed(said, route.upstreamModel()), Instant.now()));
        log.reply("shown", null);
    }

    /** What the upstream said, with what chatd knows where it said nothing. */
    static ModelDetails completed(ModelDetails said, String model) {
        if (said != null && said.family() != null && !said.capabilities().isEmpty()) {
            return said;
        }
        ModelDetails.Builder builder = ModelDetails.builder();
        if (said != null) {
            builder.family(said.family())
                    .families(said.families())
                    .format(said.format())
                    .parameterSize(said.parameterSize())
                    .quantizationLevel(said.quantizationLevel())
                    .contextLength(said.contextLength())
                    .info(said.info())
                    .parameters(said.parameters())
                    .modifiedAt(said.modifiedAt());
            said.capabilities().forEach(builder::capability);
        }
        if (said == null || said.family() == null) {
            builder.family(familyOf(model));
        }
        if (said == null || said.capabilities().isEmpty()) {
            // Every model chatd relays chats, and every chat API chatd speaks carries tools.
            builder.capability(ModelDetails.Capability.COMPLETION).capability(ModelDetails.Capability.TOOLS);
        }
        return builder.build();
    }

    /**
     * The family a model name begins with, where that is plain: the letters before the first
     * digit, dash or dot of its last segment ({@code openai/gpt-4o} → {@code gpt},
     * {@code llama3.2:latest} → {@code llama}); null when there are fewer than two.
     */
    static String familyOf(String model) {
        String name = model.substring(model.lastIndexOf('/') + 1);
        int end = 0;
        while (end < name.length() && Character.isLetter(name.charAt(end))) {
            end++;
        }
        return end < 2 ? null : name.substring(0, end).toLowerCase(Locale.ROOT);
    }
}
