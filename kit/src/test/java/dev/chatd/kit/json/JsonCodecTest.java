package dev.chatd.kit.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

    @Test
    void stringsAreEscapedSoThatTheyReadBackTheSame() {
        String nasty = "quote \" backslash \\ newline \n tab \t bell \u0007 nul \u0000 é 日本 😀 </script>";

        String json = JsonCodec.writeString(Map.of("text", nasty));

        assertThat(json).doesNotContain("\n").contains("\\u0007", "\\u0000", "\\\"", "\\\\");
        assertThat(JsonCodec.parse(json)).isEqualTo(Map.of("text", nasty));
    }

    @Test
    void numbersBooleansNullsAndNestingAreWrittenAsJson() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("i", 7);
        tree.put("l", 12345678901L);
        tree.put("d", 0.5);
        tree.put("big", new BigDecimal("12345678901234567890.5"));
        tree.put("yes", true);
        tree.put("none", null);
        tree.put("list", List.of(1, List.of(), Map.of()));

        assertThat(JsonCodec.writeString(tree))
                .isEqualTo("{\"i\":7,\"l\":12345678901,\"d\":0.5,\"big\":12345678901234567890.5,\"yes\":true,"
                        + "\"none\":null,\"list\":[1,[],{}]}");
    }

    @Test
    void infinityIsNotJsonAndIsRefused() {
        assertThatThrownBy(() -> JsonCodec.write(Map.of("t", Double.POSITIVE_INFINITY)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roundTripKeepsFieldOrderAndExactNumbers() {
        String json =
                "{\"zeta\":0.1,\"alpha\":12345678901234567890,\"mid\":[1,2.50,-3e-7],\"b\":true,\"n\":null,\"s\":\"\\u00e9\\n\"}";

        assertThat(JsonCodec.writeString(JsonCodec.parse(json)))
                .isEqualTo(
                        "{\"zeta\":0.1,\"alpha\":12345678901234567890,\"mid\":[1,2.50,-3E-7],\"b\":true,\"n\":null,\"s\":\"é\\n\"}");
    }

    @Test
    void parsesIntoPlainJavaTrees() {
        Object tree = JsonCodec.parse("{\"b\":[0.1,\"x\",false],\"a\":{}}");

        assertThat(tree).isInstanceOf(LinkedHashMap.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) tree;
        assertThat(map.keySet()).containsExactly("b", "a");
        assertThat(map.get("b")).isEqualTo(List.of(new BigDecimal("0.1"), "x", false));
        assertThat(map.get("a")).isEqualTo(Map.of());
    }

    @Test
    void bigIntegerStaysExact() {
        assertThat(JsonCodec.parse("12345678901234567890")).isEqualTo(new BigDecimal("12345678901234567890"));
    }

    @Test
    void writesJavaNumbersAndNullsInMaps() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("i", 1);
        tree.put("l", 9007199254740993L);
        tree.put("d", 0.1);
        tree.put("none", null);

        assertThat(JsonCodec.writeString(tree)).isEqualTo("{\"i\":1,\"l\":9007199254740993,\"d\":0.1,\"none\":null}");
    }

    /**
     * A large document is decoded while it is parsed; it must read exactly as the same bytes read
     * as a String: multi-byte characters and surrogate pairs across the decoder's buffer edges,
     * malformed UTF-8 replaced the same way, the same errors.
     */
    @Test
    void aLargeDocumentReadsTheSameAsItsTextWhateverItsCharacters() {
        StringBuilder text = new StringBuilder("{\"messages\":[");
        String[] pieces = {"plain ", "é", "日本語", "😀", "\\u00e9", "\\ud83d\\ude00", "\\\"", "\\n", "~"};
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 400; i++) {
            text.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"");
            for (int j = 0; j < 20; j++) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            text.append("\",\"n\":").append(random.nextInt()).append("}");
        }
        text.append("]}");
        byte[] valid = text.toString().getBytes(StandardCharsets.UTF_8);
        assertThat(valid.length).isGreaterThan(2 * JsonCodec.DECODE_WHILE_PARSING_BYTES);
        assertThat(JsonCodec.parse(valid)).isEqualTo(JsonCodec.parse(text.toString()));

        byte[] malformed = valid.clone(); // each "~" (inside a string) made a byte that is not UTF-8
        for (int at = 0, n = 0; at < malformed.length; at++) {
            if (malformed[at] == '~') {
                malformed[at] = (byte) (n++ % 2 == 0 ? 0xC3 : 0xFF); // a lead byte alone, or never valid
            }
        }
        assertThat(JsonCodec.parse(malformed))
                .isEqualTo(JsonCodec.parse(new String(malformed, StandardCharsets.UTF_8)));

        byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 3);
        assertThatThrownBy(() -> JsonCodec.parse(truncated))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessage(messageOf(() -> JsonCodec.parse(new String(truncated, StandardCharsets.UTF_8))));
    }

    private static String messageOf(Runnable parse) {
        try {
            parse.run();
        } catch (JsonCodec.MalformedJsonException e) {
            return e.getMessage();
        }
        throw new AssertionError("parsed");
    }

    @Test
    void oneCharacterDocumentIsValidJson() {
        assertThat(JsonCodec.parse("7")).isEqualTo(new BigDecimal("7"));
    }

    @Test
    void oneCharacterTruncatedDocumentIsUnexpectedEnd() {
        assertThatThrownBy(() -> JsonCodec.parse("{"))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("end of input at line 1, column");
    }

    @Test
    void nonJsonValueCannotBeWritten() {
        assertThatThrownBy(() -> JsonCodec.writeString(Map.of("x", new Object())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedInputSaysWhere() {
        assertThatThrownBy(() -> JsonCodec.parse("{\n  \"a\": }"))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("column");
    }

    @Test
    void truncatedInputIsUnexpectedEnd() {
        assertThatThrownBy(() -> JsonCodec.parse("{\"a\":[1,2"))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("end of input")
                .hasMessageContaining("line 1, column");
    }

    @Test
    void emptyInputIsMalformed() {
        assertThatThrownBy(() -> JsonCodec.parse(""))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("end of input at line 1, column");
    }

    @Test
    void whitespaceOnlyInputIsMalformed() {
        assertThatThrownBy(() -> JsonCodec.parse("  \n "))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("line");
    }

    @Test
    void trailingGarbageIsMalformed() {
        assertThatThrownBy(() -> JsonCodec.parse("{\"a\":1} trailing"))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("line 1, column");
    }

    @Test
    void secondValueAfterTheFirstIsMalformed() {
        assertThatThrownBy(() -> JsonCodec.parse("{\"a\":1}\n{\"b\":2}"))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("line 2");
    }

    @Test
    void htmlIsMalformed() {
        assertThatThrownBy(() -> JsonCodec.parse("<html><body>502 Bad Gateway</body></html>"))
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("line 1, column 1");
    }

    @Test
    void nestingUpToTheLimitIsRead() {
        String deepest = "[".repeat(JsonCodec.MAX_DEPTH) + "]".repeat(JsonCodec.MAX_DEPTH);
        String objects = "{\"a\":".repeat(JsonCodec.MAX_DEPTH - 1) + "{}" + "}".repeat(JsonCodec.MAX_DEPTH - 1);

        assertThat(JsonCodec.parse(deepest)).isInstanceOf(List.class);
        assertThat(JsonCodec.parse(objects)).isInstanceOf(Map.class);
    }

    @Test
    void nestingPastTheLimitIsRefusedAsMalformedSayingWhere() {
        String tooDeep = "[".repeat(JsonCodec.MAX_DEPTH + 1) + "]".repeat(JsonCodec.MAX_DEPTH + 1);

        assertThatThrownBy(() -> JsonCodec.parse(tooDeep))
                .isInstanceOf(JsonCodec.NestedTooDeepException.class)
                .isInstanceOf(JsonCodec.MalformedJsonException.class)
                .hasMessageContaining("nested deeper than 128 levels")
                .hasMessageContaining("line 1");
    }

    @Test
    void nestingFarPastTheParsersOwnLimitIsStillMalformedJson() {
        // Parsson's own limit (1000) fails with a bare RuntimeException, which callers do not expect.
        String hostile = "{\"x\":" + "[".repeat(100_000);

        assertThatThrownBy(() -> JsonCodec.parse(hostile.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(JsonCodec.NestedTooDeepException.class);
    }
}
