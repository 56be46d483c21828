package dev.chatd.kit.openai;

import dev.chatd.api.ChatException;
import dev.chatd.api.ModelDetails;
import dev.chatd.kit.json.JsonObjectView;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model's details from a {@code GET /models} list whose entries say more than OpenAI's do,
 * as OpenRouter's do: {@code context_length}, {@code architecture.input_modalities} (with
 * {@code image}: vision) and {@code supported_parameters} (with {@code tools}: tool calls; with
 * {@code reasoning}: thinking).
 *
 * @since 0.3
 */
public final class OpenAiModelDetails {
    private OpenAiModelDetails() {}

    /**
     * The details of {@code model} in a parsed model list, or empty when the list has no entry
     * with that id. A list that is not one fails as a 502.
     */
    public static Optional<ModelDetails> find(Object tree, String model, String provider) {
        JsonObjectView list = JsonObjectView.of(tree, provider + "'s model list", ChatException.UpstreamFailure::new);
        List<Object> data = list.array("data");
        for (int i = 0; data != null && i < data.size(); i++) {
            if (data.get(i) instanceof Map<?, ?>) {
                JsonObjectView entry = list.at(data.get(i), "data[" + i + "]");
                if (model.equals(entry.string("id"))) {
                    return Optional.of(decodeEntry(entry));
                }
            }
        }
        return Optional.empty();
    }

    private static ModelDetails decodeEntry(JsonObjectView entry) {
        ModelDetails.Builder builder = ModelDetails.builder().capability(ModelDetails.Capability.COMPLETION);
        Long contextLength = entry.longInteger("context_length");
        if (contextLength != null && contextLength > 0) {
            builder.contextLength(contextLength);
        }
        JsonObjectView architecture = entry.object("architecture");
        if (architecture != null
                && architecture.raw("input_modalities") instanceof List<?>
                && architecture.strings("input_modalities").contains("image")) {
            builder.capability(ModelDetails.Capability.VISION);
        }
        if (entry.raw("supported_parameters") instanceof List<?>) {
            List<String> parameters = entry.strings("supported_parameters");
            if (parameters.contains("tools")) {
                builder.capability(ModelDetails.Capability.TOOLS);
            }
            if (parameters.contains("reasoning")) {
                builder.capability(ModelDetails.Capability.THINKING);
            }
        }
        return builder.build();
    }
}
