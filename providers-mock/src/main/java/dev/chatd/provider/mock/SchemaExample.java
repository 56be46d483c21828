package dev.chatd.provider.mock;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The smallest plain instance of a JSON schema that a client validating tool arguments
 * accepts: the required properties only, {@code "example"} for a string, 1 for a number (moved
 * into its bounds), {@code true}, {@code []} unless {@code minItems} asks for more. A schema's
 * own {@code const}, {@code default} or first {@code enum} value wins over all that. Local
 * {@code $ref}s ({@code #/$defs/...}) are followed; recursion stops at a fixed depth.
 */
final class SchemaExample {
    private static final int MAX_DEPTH = 32;
    private static final BigDecimal ONE = BigDecimal.ONE;

    private final Object root;

    private SchemaExample(Object root) {
        this.root = root;
    }

    /** An instance of a tool's {@code parameters}; a tool without a schema takes an empty object. */
    static Object ofParameters(Object schema) {
        return schema instanceof Map<?, ?> ? new SchemaExample(schema).instance(schema, 0) : new LinkedHashMap<>();
    }

    private Object instance(Object schema, int depth) {
        if (!(schema instanceof Map<?, ?> s) || depth > MAX_DEPTH) {
            return "example"; // true, or nested too deep: anything goes
        }
        if (s.get("$ref") instanceof String ref && resolve(ref) instanceof Map<?, ?> target) {
            return instance(target, depth + 1);
        }
        if (s.containsKey("const")) {
            return s.get("const");
        }
        if (s.containsKey("default")) {
            return s.get("default");
        }
        if (s.get("enum") instanceof List<?> values && !values.isEmpty()) {
            return values.get(0);
        }
        for (String choice : List.of("anyOf", "oneOf")) {
            if (s.get(choice) instanceof List<?> alternatives && !alternatives.isEmpty()) {
                return instance(alternatives.get(0), depth + 1);
            }
        }
        if (s.get("allOf") instanceof List<?> parts && !parts.isEmpty()) {
            return allOf(parts, depth);
        }
        return switch (type(s)) {
            case "object" -> object(s, depth);
            case "array" -> array(s, depth);
            case "integer" -> number(s, true);
            case "number" -> number(s, false);
            case "boolean" -> Boolean.TRUE;
            case "null" -> null;
            default -> string(s);
        };
    }

    /** The declared type, the first that is not {@code null} of a list, else what the keywords imply. */
    private static String type(Map<?, ?> schema) {
        Object type = schema.get("type");
        if (type instanceof String t) {
            return t;
        }
        if (type instanceof List<?> types) {
            for (Object t : types) {
                if (t instanceof String name && !name.equals("null")) {
                    return name;
                }
            }
            return types.isEmpty() ? "string" : "null";
        }
        if (schema.containsKey("properties") || schema.containsKey("required")) {
            return "object";
        }
        return schema.containsKey("items") ? "array" : "string";
    }

    private Object object(Map<?, ?> schema, int depth) {
        Map<String, Object> instance = new LinkedHashMap<>();
        Map<?, ?> properties = schema.get("properties") instanceof Map<?, ?> p ? p : Map.of();
        if (schema.get("required") instanceof List<?> required) {
            for (Object name : required) {
                if (name instanceof String n) {
                    instance.put(n, instance(properties.get(n), depth + 1));
                }
            }
        }
        return instance;
    }

    private Object array(Map<?, ?> schema, int depth) {
        int count = schema.get("minItems") instanceof Number n ? Math.max(0, n.intValue()) : 0;
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < Math.min(count, 100); i++) {
            items.add(instance(schema.get("items"), depth + 1));
        }
        return items;
    }

    /** 1, moved into the schema's bounds; an exclusive bound moves it one further in. */
    private static Object number(Map<?, ?> schema, boolean integer) {
        BigDecimal value = ONE;
        BigDecimal low = bound(schema, "minimum", "exclusiveMinimum", ONE, integer, RoundingMode.CEILING);
        BigDecimal high = bound(schema, "maximum", "exclusiveMaximum", ONE.negate(), integer, RoundingMode.FLOOR);
        if (low != null && value.compareTo(low) < 0) {
            value = low;
        }
        if (high != null && value.compareTo(high) > 0) {
            value = high;
        }
        return integer ? value.toBigInteger() : value;
    }

    private static BigDecimal bound(
            Map<?, ?> schema, String inclusive, String exclusive, BigDecimal step, boolean integer, RoundingMode mode) {
        BigDecimal bound = null;
        if (schema.get(inclusive) instanceof Number n) {
            bound = new BigDecimal(n.toString());
        } else if (schema.get(exclusive) instanceof Number n) {
            bound = new BigDecimal(n.toString()).add(step);
        }
        return bound == null || !integer ? bound : bound.setScale(0, mode);
    }

    private static String string(Map<?, ?> schema) {
        String value = schema.get("format") instanceof String format
                ? switch (format) {
                    case "date-time" -> "2024-01-01T00:00:00Z";
                    case "date" -> "2024-01-01";
                    case "time" -> "00:00:00Z";
                    case "email" -> "user@example.com";
                    case "uri", "url" -> "https://example.com";
                    case "uuid" -> "00000000-0000-0000-0000-000000000000";
                    default -> "example";
                }
                : "example";
        if (schema.get("minLength") instanceof Number min && value.length() < min.intValue()) {
            value = value + "x".repeat(Math.min(min.intValue(), 10_000) - value.length());
        }
        if (schema.get("maxLength") instanceof Number max && value.length() > Math.max(0, max.intValue())) {
            value = value.substring(0, Math.max(0, max.intValue()));
        }
        return value;
    }

    /** Every part's instance; objects merge, otherwise the first part's stands. */
    private Object allOf(List<?> parts, int depth) {
        Object first = instance(parts.get(0), depth + 1);
        if (!(first instanceof Map<?, ?>)) {
            return first;
        }
        Map<Object, Object> merged = new LinkedHashMap<>((Map<?, ?>) first);
        for (Object part : parts.subList(1, parts.size())) {
            if (instance(part, depth + 1) instanceof Map<?, ?> more) {
                merged.putAll(more);
            }
        }
        return merged;
    }

    /** A local JSON pointer ({@code #/$defs/address}) in the schema the tool gave; null otherwise. */
    private Object resolve(String ref) {
        if (!ref.startsWith("#")) {
            return null;
        }
        Object at = root;
        for (String token : ref.substring(1).split("/")) {
            if (token.isEmpty()) {
                continue;
            }
            String key = token.replace("~1", "/").replace("~0", "~");
            if (!(at instanceof Map<?, ?> map)) {
                return null;
            }
            at = map.get(key);
        }
        return at;
    }
}
