package dev.chatd.kit.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link JsonCodec#write} writes bytes directly; they must be exactly the String writer's, encoded. */
class JsonBytesWriterTest {

    private static void sameAsStringWriter(Object tree) {
        assertThat(JsonCodec.write(tree)).isEqualTo(JsonCodec.writeString(tree).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyKindOfValueIsWrittenAsTheStringWriterWritesIt() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("model", "openai/gpt-4o");
        tree.put("n", new BigDecimal("1.50"));
        tree.put("big", new BigInteger("123456789012345678901234567890"));
        tree.put("i", 7);
        tree.put("l", 9_000_000_000L);
        tree.put("d", 0.25);
        tree.put("f", 1.5f);
        tree.put("yes", true);
        tree.put("no", false);
        tree.put("nothing", null);
        tree.put("empty", "");
        tree.put("list", Arrays.asList(1, "two", null, List.of(), Map.of()));
        tree.put("escapes", "quote \" backslash \\ nl \n cr \r tab \t bs \b ff \f nul \0 unit \u001f end");
        tree.put("unicode", "é ü 中文 😀 mixed aé\"b😀\n");
        tree.put("lone surrogates", "a\uD800b\uDC00c\uD83D");
        tree.put("é key \"quoted\"", "v");
        sameAsStringWriter(tree);
        sameAsStringWriter("😀");
        sameAsStringWriter(List.of());
    }

    @Test
    void largeAndRandomStringsMatchByteForByte() {
        Random random = new Random(15);
        for (int round = 0; round < 200; round++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(round < 190 ? 64 : 70_000);
            for (int i = 0; i < length; i++) {
                int kind = random.nextInt(10);
                s.append(
                        switch (kind) {
                            case 0 -> (char) random.nextInt(0x20);
                            case 1 -> '"';
                            case 2 -> '\\';
                            case 3 -> (char) (0x80 + random.nextInt(0x700));
                            case 4 -> (char) (0xD800 + random.nextInt(0x800)); // surrogates, paired or not
                            default -> (char) (0x20 + random.nextInt(0x5f));
                        });
            }
            List<Object> messages = new ArrayList<>();
            messages.add(Map.of("role", "user", "content", s.toString()));
            sameAsStringWriter(Map.of("messages", messages));
        }
    }

    @Test
    void aTreeValueJsonCannotHoldIsRefused() {
        assertThatThrownBy(() -> JsonCodec.write(Map.of("x", Double.NaN))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonCodec.write(Map.of("x", new Object())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
