package dev.chatd.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an upstream says about one of its models: its family and size, how long a context it
 * takes, and what it can do. Whatever the upstream does not say is null, 0 or empty.
 *
 * @param family the model family, such as {@code llama}; null when not said
 * @param families every family the model belongs to (a vision model's projector adds one)
 * @param format the weights' file format, such as {@code gguf}; null when not said
 * @param parameterSize the parameter count as the upstream writes it, such as {@code 8.0B}
 * @param quantizationLevel such as {@code Q4_K_M}; null when not said
 * @param contextLength the longest context the model takes, in tokens; 0 when not said
 * @param capabilities what the model can do, in the enum's order
 * @param info the upstream's own facts as keys and JSON values (Ollama's {@code model_info},
 *     such as {@code general.architecture} and {@code llama.context_length}); empty when none
 * @param parameters the default generation parameters as the upstream lists them (Ollama's
 *     {@code parameters} text: one {@code name value} a line); null when not said
 * @param modifiedAt when the model was last changed upstream; null when not said
 * @since 0.3
 */
public record ModelDetails(
        String family,
        List<String> families,
        String format,
        String parameterSize,
        String quantizationLevel,
        long contextLength,
        Set<Capability> capabilities,
        Map<String, Object> info,
        String parameters,
        Instant modifiedAt) {

    public ModelDetails {
        families = families == null ? List.of() : List.copyOf(families);
        capabilities = capabilities == null || capabilities.isEmpty()
                ? Set.of()
                : Collections.unmodifiableSet(EnumSet.copyOf(capabilities)); // in the enum's order
        info = JsonTrees.copyOf(info);
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must not be negative: " + contextLength);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Something a model can do, in the words Ollama's {@code /api/show} uses for it.
     *
     * @since 0.3
     */
    public enum Capability {
        /** Generates text (every chat model). */
        COMPLETION,
        /** Takes tools and calls them. */
        TOOLS,
        /** Reasons before it answers, and says so apart from the answer. */
        THINKING,
        /** Takes images. */
        VISION,
        /** Turns text into embeddings. */
        EMBEDDING,
        /** Fills in the middle (a prompt and a suffix). */
        INSERT;

        private final String wire = name().toLowerCase(Locale.ROOT);

        /** The wire name, such as {@code "vision"}. */
        public String wire() {
            return wire;
        }

        /** The capability of a wire name, or empty when chatd does not know it. */
        public static Optional<Capability> fromWire(String name) {
            for (Capability capability : values()) {
                if (capability.wire.equals(name)) {
                    return Optional.of(capability);
                }
            }
            return Optional.empty();
        }
    }

    /** Builds {@link ModelDetails}; every field is optional. */
    public static final class Builder {
        private String family;
        private List<String> families = new ArrayList<>();
        private String format;
        private String parameterSize;
        private String quantizationLevel;
        private long contextLength;
        private final Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
        private Map<String, Object> info = Map.of();
        private String parameters;
        private Instant modifiedAt;

        private Builder() {}

        public Builder family(String family) {
            this.family = family;
            return this;
        }

        public Builder families(List<String> families) {
            this.families = families == null ? new ArrayList<>() : new ArrayList<>(families);
            return this;
        }

        public Builder format(String format) {
            this.format = format;
            return this;
        }

        public Builder parameterSize(String parameterSize) {
            this.parameterSize = parameterSize;
            return this;
        }

        public Builder quantizationLevel(String quantizationLevel) {
            this.quantizationLevel = quantizationLevel;
            return this;
        }

        public Builder contextLength(long contextLength) {
            this.contextLength = contextLength;
            return this;
        }

        public Builder capability(Capability capability) {
            capabilities.add(capability);
            return this;
        }

        public Builder info(Map<String, Object> info) {
            this.info = info == null ? Map.of() : info;
            return this;
        }

        public Builder parameters(String parameters) {
            this.parameters = parameters;
            return this;
        }

        public Builder modifiedAt(Instant modifiedAt) {
            this.modifiedAt = modifiedAt;
            return this;
        }

        public ModelDetails build() {
            return new ModelDetails(
                    family,
                    families,
                    format,
                    parameterSize,
                    quantizationLevel,
                    contextLength,
                    capabilities,
                    info,
                    parameters,
                    modifiedAt);
        }
    }
}
