package dev.chatd.kit.json;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Typed, path-aware reads of one JSON object tree. A field of the wrong type fails with a
 * message naming its path ({@code messages[2].role must be a string}) through the error
 * factory given, so the same reader serves caller input (400) and upstream replies (502).
 */
public final class JsonObjectView {
    private final Map<String, Object> fields;
    private final String path;
    private final Function<String, ? extends RuntimeException> error;

    private JsonObjectView(
            Map<String, Object> fields, String path, Function<String, ? extends RuntimeException> error) {
        this.fields = fields;
        this.path = path;
        this.error = error;
    }

    /**
     * A view of {@code tree}, which must be a JSON object.
     *
     * @param what how to name the value in an error when it is not an object, e.g. "request body"
     */
    @SuppressWarnings("unchecked")
    public static JsonObjectView of(Object tree, String what, Function<String, ? extends RuntimeException> error) {
        if (!(tree instanceof Map<?, ?> map)) {
            throw error.apply(what + " must be a JSON object");
        }
        return new JsonObjectView((Map<String, Object>) map, "", error);
    }

    public Map<String, Object> fields() {
        return fields;
    }

    public boolean has(String key) {
        return fields.containsKey(key) && fields.get(key) != null;
    }

    public Object raw(String key) {
        return fields.get(key);
    }

    public String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public RuntimeException fail(String message) {
        return error.apply(message);
    }

    public String string(String key) {
        Object value = fields.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        throw error.apply(path(key) + " must be a string");
    }

    public String requiredString(String key) {
        String value = string(key);
        if (value == null || value.isBlank()) {
            throw error.apply(path(key) + " is required");
        }
        return value;
    }

    public BigDecimal number(String key) {
        Object value = fields.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal d) {
            return d;
        }
        throw error.apply(path(key) + " must be a number");
    }

    public Double decimal(String key) {
        BigDecimal value = number(key);
        if (value == null) {
            return null;
        }
        double d = value.doubleValue();
        if (Double.isInfinite(d)) {
            // 1e999 is valid JSON but no double, and cannot be written back out.
            throw error.apply(path(key) + " is out of range");
        }
        return d;
    }

    public Integer integer(String key) {
        Long value = longInteger(key);
        if (value != null && (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE)) {
            throw error.apply(path(key) + " is out of range");
        }
        return value == null ? null : value.intValue();
    }

    public Long longInteger(String key) {
        BigDecimal value = number(key);
        if (value == null) {
            return null;
        }
        try {
            return value.longValueExact();
        } catch (ArithmeticException e) {
            throw error.apply(path(key) + " must be a whole number");
        }
    }

    public Boolean bool(String key) {
        Object value = fields.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw error.apply(path(key) + " must be true or false");
    }

    /** The nested object at {@code key}, or null when absent. */
    public JsonObjectView object(String key) {
        Object value = fields.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Map<?, ?>) {
            return at(value, path(key));
        }
        throw error.apply(path(key) + " must be an object");
    }

    /** The array at {@code key}, or null when absent. */
    @SuppressWarnings("unchecked")
    public List<Object> array(String key) {
        Object value = fields.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw error.apply(path(key) + " must be an array");
    }

    /**
     * A field that may be one string or an array of strings (OpenAI's and Ollama's
     * {@code stop}), as a list; empty when absent.
     */
    public List<String> strings(String key) {
        Object value = fields.get(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof List<?> list) {
            List<String> strings = new java.util.ArrayList<>(list.size());
            for (Object item : list) {
                if (!(item instanceof String s)) {
                    throw error.apply(path(key) + " must be a string or an array of strings");
                }
                strings.add(s);
            }
            return strings;
        }
        throw error.apply(path(key) + " must be a string or an array of strings");
    }

    /** A view of an element of an array read from this object, named {@code path}. */
    @SuppressWarnings("unchecked")
    public JsonObjectView at(Object element, String elementPath) {
        if (!(element instanceof Map<?, ?> map)) {
            throw error.apply(elementPath + " must be an object");
        }
        return new JsonObjectView((Map<String, Object>) map, elementPath, error);
    }

    /** The fields not named in {@code known}, in their order: what travels through unchanged. */
    public Map<String, Object> otherThan(Set<String> known) {
        Map<String, Object> other = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (!known.contains(e.getKey())) {
                other.put(e.getKey(), e.getValue());
            }
        }
        return other;
    }
}
