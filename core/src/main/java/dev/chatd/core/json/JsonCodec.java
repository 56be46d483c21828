package dev.chatd.core.json;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Reads JSON into plain Java trees and writes them back: {@link LinkedHashMap} for objects
 * (field order kept), {@link ArrayList} for arrays, {@link String}, {@link BigDecimal} (numbers
 * keep their exact value), {@link Boolean} and {@code null}. The JSON-P factories are made once.
 */
public final class JsonCodec {
    private static final JsonParserFactory PARSERS = Json.createParserFactory(Map.of());
    private static final JsonGeneratorFactory GENERATORS = Json.createGeneratorFactory(Map.of());

    private JsonCodec() {}

    /** Thrown for input that is not one well-formed JSON value; the message says where. */
    public static final class MalformedJsonException extends RuntimeException {
        MalformedJsonException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Parses one UTF-8 JSON value. Decoding the bytes to a string first is about twice as fast
     * as handing Parsson a stream, whose reader allocates an 8 KiB decode buffer per parse.
     */
    public static Object parse(byte[] json) {
        return parse(new String(json, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Parses one JSON value from the string, which must hold nothing else. */
    public static Object parse(String json) {
        return parse(PARSERS.createParser(new java.io.StringReader(json)));
    }

    /** Parses one UTF-8 JSON value from the stream, which must hold nothing else. */
    public static Object parse(InputStream json) {
        // UTF-8 named, not detected: detection needs a few bytes and fails on "", "1" or "{".
        return parse(PARSERS.createParser(json, java.nio.charset.StandardCharsets.UTF_8));
    }

    private static Object parse(JsonParser created) {
        try (JsonParser parser = created) {
            if (!parser.hasNext()) {
                throw new MalformedJsonException("empty body: expected a JSON value");
            }
            Object value = read(parser, parser.next());
            if (parser.hasNext()) {
                throw new MalformedJsonException("unexpected data after the JSON value at "
                        + where(parser));
            }
            return value;
        } catch (JsonParsingException e) {
            throw new MalformedJsonException(describe(e));
        } catch (JsonException | NoSuchElementException e) {
            throw new MalformedJsonException("not valid JSON: " + e.getMessage());
        }
    }

    private static Object read(JsonParser parser, JsonParser.Event event) {
        return switch (event) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                JsonParser.Event next;
                while ((next = parser.next()) != JsonParser.Event.END_OBJECT) {
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
            default -> throw new MalformedJsonException("unexpected " + event + " at " + where(parser));
        };
    }

    private static String where(JsonParser parser) {
        var location = parser.getLocation();
        return "line " + location.getLineNumber() + ", column " + location.getColumnNumber();
    }

    /** Parsson says "Invalid token=EOF at (line no=1, …). Expected tokens are: […]"; say it plainly. */
    private static String describe(JsonParsingException e) {
        var location = e.getLocation();
        String message = e.getMessage() == null ? "" : e.getMessage();
        String what = "invalid JSON";
        int token = message.indexOf("token=");
        if (token >= 0) {
            int end = message.indexOf(' ', token);
            String name = message.substring(token + "token=".length(), end < 0 ? message.length() : end);
            what = "EOF".equals(name) ? "unexpected end of input" : "unexpected " + name.toLowerCase(java.util.Locale.ROOT);
        } else if (message.startsWith("Unexpected char")) {
            int at = message.indexOf(" at (");
            what = (at > 0 ? message.substring(0, at) : message).toLowerCase(java.util.Locale.ROOT);
        }
        return location == null ? what
                : what + " at line " + location.getLineNumber() + ", column " + location.getColumnNumber();
    }

    public static byte[] write(Object tree) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        write(tree, out);
        return out.toByteArray();
    }

    public static String writeString(Object tree) {
        return new String(write(tree), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Writes a tree as JSON (UTF-8) to the stream, which stays open. */
    public static void write(Object tree, OutputStream out) {
        try (JsonGenerator generator = GENERATORS.createGenerator(new NonClosing(out))) {
            writeValue(generator, tree);
        }
    }

    private static void writeValue(JsonGenerator g, Object value) {
        switch (value) {
            case null -> g.writeNull();
            case String s -> g.write(s);
            case Boolean b -> g.write(b);
            case BigDecimal d -> g.write(d);
            case BigInteger i -> g.write(i);
            case Integer i -> g.write(i);
            case Long l -> g.write(l);
            case Double d -> g.write(d);
            case Number n -> g.write(new BigDecimal(n.toString()));
            case Map<?, ?> map -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    g.writeKey(String.valueOf(e.getKey()));
                    writeValue(g, e.getValue());
                }
                g.writeEnd();
            }
            case Iterable<?> list -> {
                g.writeStartArray();
                for (Object item : list) {
                    writeValue(g, item);
                }
                g.writeEnd();
            }
            default -> throw new IllegalArgumentException("not a JSON tree value: " + value.getClass().getName());
        }
    }

    /** The generator closes its stream; callers own theirs. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws java.io.IOException {
            flush();
        }
    }
}
