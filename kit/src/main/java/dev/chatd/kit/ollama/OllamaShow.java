package dev.chatd.kit.ollama;

import dev.chatd.api.ChatException;
import dev.chatd.api.ModelDetails;
import dev.chatd.kit.json.JsonObjectView;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ollama's {@code POST /api/show}, both ways: asking an Ollama upstream about a model and
 * reading its answer, and answering an Ollama client. The answer's {@code details} name the
 * family, size and quantisation; {@code model_info} holds the weights' own facts, among them
 * {@code general.architecture} and {@code <architecture>.context_length}; {@code capabilities}
 * lists {@code completion}, {@code tools}, {@code thinking}, {@code vision}, ….
 *
 * @since 0.3
 */
public final class OllamaShow {
    private static final String ARCHITECTURE = "general.architecture";
    private static final String CONTEXT_LENGTH = ".context_length";

    private OllamaShow() {}

    /** The body of a {@code POST /api/show} for a model. */
    public static Map<String, Object> encodeRequest(String model) {
        return Map.of("model", model);
    }

    /** The model a client's {@code /api/show} asks about: {@code model}, or {@code name} from older clients. */
    public static String requestedModel(JsonObjectView r) {
        String model = r.string("model");
        if (model == null || model.isEmpty()) {
            model = r.string("name");
        }
        if (model == null || model.isEmpty()) {
            throw r.fail("model is required: send {\"model\":\"<name>\"}");
        }
        return model;
    }

    /** Reads an Ollama server's {@code /api/show} reply. A reply that is not an object fails as a 502. */
    public static ModelDetails decodeReply(Object tree, String provider) {
        JsonObjectView reply =
                JsonObjectView.of(tree, provider + "'s model details", ChatException.UpstreamFailure::new);
        ModelDetails.Builder builder = ModelDetails.builder().parameters(reply.string("parameters"));
        JsonObjectView details = reply.object("details");
        if (details != null) {
            builder.family(blankToNull(details.string("family")))
                    .families(details.raw("families") instanceof List<?> ? details.strings("families") : null)
                    .format(blankToNull(details.string("format")))
                    .parameterSize(blankToNull(details.string("parameter_size")))
                    .quantizationLevel(blankToNull(details.string("quantization_level")));
        }
        JsonObjectView info = reply.object("model_info");
        if (info != null) {
            builder.info(info.fields()).contextLength(contextLength(info.fields()));
        }
        if (reply.raw("capabilities") instanceof List<?>) {
            for (String capability : reply.strings("capabilities")) {
                ModelDetails.Capability.fromWire(capability).ifPresent(builder::capability);
            }
        }
        builder.modifiedAt(instant(reply.string("modified_at")));
        return builder.build();
    }

    /**
     * An {@code /api/show} reply for an Ollama client. {@code model_info} gets
     * {@code general.architecture} (the family when the upstream named no architecture) and
     * {@code <architecture>.context_length} when the context length is known; {@code template}
     * and {@code modelfile} are empty, as chatd has neither.
     */
    public static Map<String, Object> encodeReply(ModelDetails details, Instant modifiedAt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("modelfile", "");
        body.put("parameters", details.parameters() == null ? "" : details.parameters());
        body.put("template", "");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("parent_model", "");
        d.put("format", orEmpty(details.format()));
        d.put("family", orEmpty(details.family()));
        List<String> families = details.families();
        d.put("families", families.isEmpty() && details.family() != null ? List.of(details.family()) : families);
        d.put("parameter_size", orEmpty(details.parameterSize()));
        d.put("quantization_level", orEmpty(details.quantizationLevel()));
        body.put("details", d);
        Map<String, Object> info = new LinkedHashMap<>(details.info());
        String architecture = info.get(ARCHITECTURE) instanceof String a ? a : details.family();
        if (architecture != null) {
            info.putIfAbsent(ARCHITECTURE, architecture);
            if (details.contextLength() > 0) {
                info.putIfAbsent(architecture + CONTEXT_LENGTH, details.contextLength());
            }
        }
        body.put("model_info", info);
        List<String> capabilities = new ArrayList<>();
        details.capabilities().forEach(c -> capabilities.add(c.wire()));
        body.put("capabilities", capabilities);
        body.put("modified_at", (details.modifiedAt() != null ? details.modifiedAt() : modifiedAt).toString());
        return body;
    }

    /** {@code <general.architecture>.context_length}, else the first {@code *.context_length}; 0 when none. */
    private static long contextLength(Map<String, Object> info) {
        if (info.get(ARCHITECTURE) instanceof String arch && info.get(arch + CONTEXT_LENGTH) instanceof BigDecimal n) {
            return Math.max(0, n.longValue());
        }
        for (Map.Entry<String, Object> entry : info.entrySet()) {
            if (entry.getKey().endsWith(CONTEXT_LENGTH) && entry.getValue() instanceof BigDecimal n) {
                return Math.max(0, n.longValue());
            }
        }
        return 0;
    }

    /** Ollama writes times with an offset ({@code 2024-12-06T10:55:38.1-08:00}); an odd one is left out. */
    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
