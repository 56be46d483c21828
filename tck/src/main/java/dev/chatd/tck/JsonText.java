package dev.chatd.tck;

import jakarta.json.Json;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON text into the plain Java trees chatd's normalised model uses ({@link Map} in field
 * order, {@link List}, {@link String}, {@link java.math.BigDecimal}, {@link Boolean}, null), so
 * that a test can compare what an upstream received with what it expects. The TCK has its own
 * reader rather than the kit's so that the kit's tests can use the TCK without a cycle.
 */
public final class JsonText {
    private JsonText() {}

    /** Parses one JSON value; fails with {@link jakarta.json.JsonException} on malformed text. */
    public static Object parse(String json) {
        try (JsonParser parser = Json.createParser(new StringReader(json))) {
            Object value = read(parser, parser.next());
            if (parser.hasNext()) {
                throw new IllegalArgumentException("unexpected data after the JSON value: " + json);
            }
            return value;
        }
    }

    /** Parses one UTF-8 JSON value. */
    public static Object parse(byte[] json) {
        return parse(new String(json, StandardCharsets.UTF_8));
    }

    private static Object read(JsonParser parser, JsonParser.Event event) {
        return switch (event) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.next() != JsonParser.Event.END_OBJECT) {
                    String key = parser.getString();
                    object.put(key, read(parser, parser.next()));
                }
                yield object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                JsonParser.Event next;
                while ((next = parser.next()) != JsonParser.Event.END_ARRAY) {
                    array.add(read(parser, next));
                }
                yield array;
            }
            case VALUE_STRING -> parser.getString();
            case VALUE_NUMBER -> parser.getBigDecimal();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("unexpected " + event);
        };
    }
}
