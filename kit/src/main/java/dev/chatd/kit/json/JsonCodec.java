package dev.chatd.kit.json;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.eclipse.parsson.api.BufferPool;

/**
 * Reads JSON into plain Java trees and writes them back: {@link LinkedHashMap} for objects
 * (field order kept), {@link ArrayList} for arrays, {@link String}, {@link BigDecimal} (numbers
 * keep their exact value), {@link Boolean} and {@code null}. The JSON-P factories are made once.
 */
public final class JsonCodec {
    /**
     * Parsson pools its read buffers in one concurrent queue, which many request threads
     * contend for; a fresh buffer per parse is cheaper (a thread-local allocation).
     */
    private static final BufferPool FRESH_BUFFERS = new BufferPool() {
        @Override
        public char[] take() {
            return new char[1024];
        }

        @Override
        public void recycle(char[] buffer) {
            // left to the garbage collector
        }
    };

    private static final JsonParserFactory PARSERS =
            Json.createParserFactory(Map.of(BufferPool.class.getName(), FRESH_BUFFERS));

    /**
     * The deepest nesting of arrays and objects {@link #parse} accepts. Agents' tool schemas nest
     * a dozen levels at most; a deeper document is refused, with {@link NestedTooDeepException},
     * before it costs stack or memory.
     */
    public static final int MAX_DEPTH = 128;

    /**
     * From this size on, {@link #parse(byte[])} decodes the bytes as the parser reads them instead
     * of into a String first: a 64 KiB request then allocates a third less (155 → 100 KB per parse).
     * A smaller document is cheaper as a String (the stream decoder's own 8 KiB buffer would cost
     * more than the copy).
     */
    static final int DECODE_WHILE_PARSING_BYTES = 16 * 1024;

    private JsonCodec() {}

    /** Thrown for input that is not one well-formed JSON value; the message says where. */
    public static sealed class MalformedJsonException extends RuntimeException permits NestedTooDeepException {
        private static final long serialVersionUID = 1L;

        MalformedJsonException(String message) {
            super(message, null, false, false);
        }
    }

    /** Well-formed JSON nested deeper than {@link #MAX_DEPTH}. */
    public static final class NestedTooDeepException extends MalformedJsonException {
        private static final long serialVersionUID = 1L;

        NestedTooDeepException(String where) {
            super("JSON nested deeper than " + MAX_DEPTH + " levels at " + where);
        }
    }

    /**
     * Parses one UTF-8 JSON value. Decoding the bytes to a string first is about twice as fast
     * as handing Parsson a stream, whose reader allocates an 8 KiB decode buffer per parse.
     */
    public static Object parse(byte[] json) {
        if (json.length >= DECODE_WHILE_PARSING_BYTES) {
            return parse(new ByteArrayInputStream(json));
        }
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
            Object value = read(parser, parser.next(), 0);
            if (parser.hasNext()) {
                throw new MalformedJsonException("unexpected data after the JSON value at " + where(parser));
            }
            return value;
        } catch (JsonParsingException e) {
            throw new MalformedJsonException(describe(e));
        } catch (JsonException | NoSuchElementException e) {
            throw new MalformedJsonException("not valid JSON: " + e.getMessage());
        }
    }

    /**
     * Reads one value whose opening event has been read, {@code depth} levels down. The depth is
     * counted here because Parsson's own limit (1000) fails with a bare RuntimeException.
     */
    private static Object read(JsonParser parser, JsonParser.Event event, int depth) {
        if ((event == JsonParser.Event.START_OBJECT || event == JsonParser.Event.START_ARRAY) && depth >= MAX_DEPTH) {
            throw new NestedTooDeepException(where(parser));
        }
        return switch (event) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                JsonParser.Event next;
                while ((next = parser.next()) != JsonParser.Event.END_OBJECT) {
                    String key = parser.getString();
                    object.put(key, read(parser, parser.next(), depth + 1));
                }
                yield object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                JsonParser.Event next;
                while ((next = parser.next()) != JsonParser.Event.END_ARRAY) {
                    array.add(read(parser, next, depth + 1));
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
            what = "EOF".equals(name)
                    ? "unexpected end of input"
                    : "unexpected " + name.toLowerCase(java.util.Locale.ROOT);
        } else if (message.startsWith("Unexpected char")) {
            int at = message.indexOf(" at (");
            what = (at > 0 ? message.substring(0, at) : message).toLowerCase(java.util.Locale.ROOT);
        }
        return location == null
                ? what
                : what + " at line " + location.getLineNumber() + ", column " + location.getColumnNumber();
    }

    /** A tree as UTF-8 JSON bytes. */
    public static byte[] write(Object tree) {
        return JsonBytesWriter.write(tree);
    }

    /**
     * A tree as JSON text. Written by hand rather than with a JSON-P generator: a generator
     * costs a pooled buffer and a writer per call, which showed up under load; trees are plain
     * Java values, so the writer is short.
     */
    public static String writeString(Object tree) {
        StringBuilder out = new StringBuilder(256);
        writeValue(out, tree);
        return out.toString();
    }

    private static void writeValue(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case String s -> writeString(out, s);
            case Boolean b -> out.append(b.booleanValue());
            case BigDecimal d -> out.append(d);
            case BigInteger i -> out.append(i);
            case Integer i -> out.append(i.intValue());
            case Long l -> out.append(l.longValue());
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) {
                    throw new IllegalArgumentException("JSON has no " + d);
                }
                out.append(d.doubleValue());
            }
            case Number n -> out.append(new BigDecimal(n.toString()));
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    writeString(out, String.valueOf(e.getKey()));
                    out.append(':');
                    writeValue(out, e.getValue());
                }
                out.append('}');
            }
            case Iterable<?> list -> {
                out.append('[');
                boolean first = true;
                for (Object item : list) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    writeValue(out, item);
                }
                out.append(']');
            }
            default ->
                throw new IllegalArgumentException(
                        "not a JSON tree value: " + value.getClass().getName());
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** A JSON string literal: quotes, backslashes and control characters escaped (RFC 8259). */
    private static void writeString(StringBuilder out, String s) {
        int first = 0;
        while (first < s.length()) {
            char c = s.charAt(first);
            if (c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            first++;
        }
        out.append('"');
        if (first == s.length()) {
            // Most strings need no escape: one bulk copy rather than a character at a time.
            out.append(s).append('"');
            return;
        }
        out.append(s, 0, first);
        int start = first;
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, start, i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
            start = i + 1;
        }
        out.append(s, start, s.length()).append('"');
    }
}
