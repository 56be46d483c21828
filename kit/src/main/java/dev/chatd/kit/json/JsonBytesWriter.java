package dev.chatd.kit.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes a tree straight to UTF-8 bytes, into one array sized from the tree's strings. Building
 * a String first and encoding it cost four copies of a large request (the builder's doublings,
 * {@code toString}, {@code getBytes}); here a tree whose strings are plain ASCII is written with
 * one bulk copy per string and one final trim.
 */
final class JsonBytesWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

    private byte[] buf;
    private int size;

    private JsonBytesWriter(int capacity) {
        buf = new byte[capacity];
    }

    static byte[] write(Object tree) {
        JsonBytesWriter out = new JsonBytesWriter(estimate(tree, 0));
        out.value(tree);
        return out.buf.length == out.size ? out.buf : Arrays.copyOf(out.buf, out.size);
    }

    /**
     * The encoded size, exact when every string is printable ASCII (then the array needs no trim,
     * no second copy); a string with escapes or other characters makes the writer grow once.
     */
    private static int estimate(Object value, int depth) {
        if (depth > JsonCodec.MAX_DEPTH * 4) {
            return 16; // a cyclic or absurdly deep tree: the writer grows as needed (or fails as before)
        }
        return switch (value) {
            case String s -> s.length() + 2;
            case Map<?, ?> map -> {
                int n = 1 + Math.max(map.size(), 1);
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    n += String.valueOf(e.getKey()).length() + 3 + estimate(e.getValue(), depth + 1);
                }
                yield n;
            }
            case Iterable<?> list -> {
                int n = 1;
                int items = 0;
                for (Object item : list) {
                    n += 1 + estimate(item, depth + 1);
                    items++;
                }
                yield items == 0 ? 2 : n;
            }
            case null -> 4;
            case Boolean b -> b ? 4 : 5;
            case Number n -> number(n).length(); // short strings; BigDecimal caches its own
            default -> 8;
        };
    }

    /** A number as the String writer writes it (StringBuilder.append of the same types). */
    private static String number(Number value) {
        return switch (value) {
            case BigDecimal d -> d.toString();
            case BigInteger i -> i.toString();
            case Integer i -> Integer.toString(i);
            case Long l -> Long.toString(l);
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) {
                    throw new IllegalArgumentException("JSON has no " + d);
                }
                yield Double.toString(d);
            }
            default -> new BigDecimal(value.toString()).toString();
        };
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            // By half, not double: the estimate is usually close, so a large request is not doubled.
            buf = Arrays.copyOf(buf, Math.max(buf.length + (buf.length >> 1), size + more));
        }
    }

    private void put(byte b) {
        ensure(1);
        buf[size++] = b;
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
    }

    private void ascii(String s) {
        put(s.getBytes(StandardCharsets.US_ASCII));
    }

    private void value(Object value) {
        switch (value) {
            case null -> put(NULL);
            case String s -> string(s);
            case Boolean b -> put(b ? TRUE : FALSE);
            case Number n -> ascii(number(n));
            case Map<?, ?> map -> {
                put((byte) '{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) {
                        put((byte) ',');
                    }
                    first = false;
                    string(String.valueOf(e.getKey()));
                    put((byte) ':');
                    value(e.getValue());
                }
                put((byte) '}');
            }
            case Iterable<?> list -> {
                put((byte) '[');
                boolean first = true;
                for (Object item : list) {
                    if (!first) {
                        put((byte) ',');
                    }
                    first = false;
                    value(item);
                }
                put((byte) ']');
            }
            default ->
                throw new IllegalArgumentException(
                        "not a JSON tree value: " + value.getClass().getName());
        }
    }

    /** A JSON string literal, escaped as {@link JsonCodec#writeString(Object)} escapes it. */
    private void string(String s) {
        int length = s.length();
        ensure(length + 2);
        buf[size++] = '"';
        int i = 0;
        while (i < length) {
            int clean = cleanRunEnd(s, i, length);
            if (clean > i) {
                bulk(s, i, clean);
                i = clean;
                if (i == length) {
                    break;
                }
            }
            char c = s.charAt(i);
            if (c >= 0x80) {
                int end = i + 1;
                while (end < length && s.charAt(end) >= 0x80) {
                    end++;
                }
                // Whole runs, so a surrogate pair is never split; a lone one becomes '?' as before.
                put(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
                continue;
            }
            switch (c) {
                case '"' -> put2('\\', '"');
                case '\\' -> put2('\\', '\\');
                case '\n' -> put2('\\', 'n');
                case '\r' -> put2('\\', 'r');
                case '\t' -> put2('\\', 't');
                case '\b' -> put2('\\', 'b');
                case '\f' -> put2('\\', 'f');
                default -> {
                    ensure(6);
                    buf[size++] = '\\';
                    buf[size++] = 'u';
                    buf[size++] = '0';
                    buf[size++] = '0';
                    buf[size++] = HEX[c >> 4];
                    buf[size++] = HEX[c & 0xF];
                }
            }
            i++;
        }
        put((byte) '"');
    }

    /** Where the run of characters written as they are (printable ASCII, no quote or backslash) ends. */
    private static int cleanRunEnd(String s, int from, int length) {
        int i = from;
        while (i < length) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
                break;
            }
            i++;
        }
        return i;
    }

    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): a bulk copy, exact for ASCII
    private void bulk(String s, int from, int to) {
        ensure(to - from);
        s.getBytes(from, to, buf, size);
        size += to - from;
    }

    private void put2(char a, char b) {
        ensure(2);
        buf[size++] = (byte) a;
        buf[size++] = (byte) b;
    }
}
