package dev.chatd.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fields the normalised model does not name travel as plain Java JSON trees: {@link Map} for
 * objects, {@link java.util.List} for arrays, {@link String}, {@link java.math.BigDecimal},
 * {@link Boolean}, and {@code null}.
 */
public final class JsonTrees {
    private JsonTrees() {}

    /** An unmodifiable copy that keeps insertion order and allows null values. */
    public static Map<String, Object> copyOf(Map<String, Object> fields) {
        if (fields == null || fields.isEmpty()) {
            return Map.of();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }
}
