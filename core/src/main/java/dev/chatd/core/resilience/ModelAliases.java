package dev.chatd.core.resilience;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Model names that stand for a list of models, tried in order ({@code chatd.models}). Checked
 * at start-up: an alias never shadows a provider's prefix, and its targets are models, not
 * aliases.
 */
public record ModelAliases(Map<String, List<String>> targets) {
    public static final ModelAliases NONE = new ModelAliases(Map.of());

    public ModelAliases {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        targets.forEach((alias, models) -> copy.put(alias, List.copyOf(models)));
        targets = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * The aliases, checked against the provider names chatd knows.
     *
     * @throws IllegalArgumentException with a one-line message naming the setting, when an alias
     *     is named after a provider or within its prefix, or has no targets, a blank one, or an
     *     alias among them
     */
    public static ModelAliases checked(Map<String, List<String>> aliases, Collection<String> providers) {
        for (Map.Entry<String, List<String>> alias : aliases.entrySet()) {
            String name = alias.getKey();
            String setting = "chatd.models." + name;
            if (name.isBlank()) {
                throw new IllegalArgumentException("chatd.models has an alias with an empty name");
            }
            String prefix = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
            if (providers.contains(prefix)) {
                throw new IllegalArgumentException(setting + ": an alias cannot be named '" + name
                        + "', since '" + prefix + "' is a provider and '" + prefix
                        + "/...' names its models; choose another name");
            }
            List<String> models = alias.getValue();
            if (models == null || models.isEmpty()) {
                throw new IllegalArgumentException(setting
                        + " has no target models; list them in order, e.g. [kimi/kimi-for-coding, opencode/glm-5]");
            }
            for (String model : models) {
                if (model == null || model.isBlank()) {
                    throw new IllegalArgumentException(setting + " has an empty target model");
                }
                if (aliases.containsKey(model)) {
                    throw new IllegalArgumentException(
                            setting + ": target '" + model + "' is itself an alias; list its models instead");
                }
            }
        }
        return new ModelAliases(aliases);
    }

    public boolean isAlias(String model) {
        return targets.containsKey(model);
    }

    /** The models an alias stands for, in order; the model itself for any other name. */
    public List<String> resolve(String model) {
        return Objects.requireNonNullElse(targets.get(model), List.of(model));
    }
}
