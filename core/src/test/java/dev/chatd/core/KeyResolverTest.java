package dev.chatd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.spi.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyResolverTest {
    private static final String CANONICAL = "OLLAMA_API_KEY";

    @TempDir
    Path dir;

    private static KeyResolver env(Map<String, String> variables) {
        return new KeyResolver(variables::get);
    }

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("key.env"), text);
    }

    private static String revealed(Optional<Secret> key) {
        assertThat(key).as("a key was found").isPresent();
        return key.get().reveal();
    }

    @Test
    void environmentVariableWinsOverTheFile() throws IOException {
        Path file = file("OLLAMA_API_KEY=from-file\n");

        Optional<Secret> key = env(Map.of(CANONICAL, "from-env")).resolve(CANONICAL, CANONICAL, file);

        assertThat(revealed(key)).isEqualTo("from-env");
    }

    @Test
    void environmentValueIsStripped() {
        Optional<Secret> key = env(Map.of(CANONICAL, "  from-env\n")).resolve(CANONICAL, CANONICAL, null);

        assertThat(revealed(key)).isEqualTo("from-env");
    }

    @Test
    void blankEnvironmentVariableFallsThroughToTheFile() throws IOException {
        Path file = file("OLLAMA_API_KEY=from-file\n");

        Optional<Secret> key = env(Map.of(CANONICAL, "   ")).resolve(CANONICAL, CANONICAL, file);

        assertThat(revealed(key)).isEqualTo("from-file");
    }

    @Test
    void fileLineNamedByKeyEnvWinsOverTheCanonicalLine() throws IOException {
        Path file = file("OLLAMA_API_KEY=canonical\nMY_CLOUD_KEY=configured\n");

        Optional<Secret> key = env(Map.of()).resolve("MY_CLOUD_KEY", CANONICAL, file);

        assertThat(revealed(key)).isEqualTo("configured");
    }

    @Test
    void renamedKeyEnvStillFindsTheCanonicalLineInTheFile() throws IOException {
        // B-1: the config renames key-env, the file keeps OLLAMA_API_KEY=, among other lines.
        Path file = file("# chatd keys\nOTHER_SERVICE_TOKEN=unrelated\nOLLAMA_API_KEY=sk-canonical\n");

        Optional<Secret> key = env(Map.of()).resolve("MY_CLOUD_KEY", CANONICAL, file);

        assertThat(revealed(key)).isEqualTo("sk-canonical");
    }

    @Test
    void fileWithOnlyOneAssignmentUnderAnotherNameGivesThatValue() throws IOException {
        Path file = file("API_KEY=sk-only\n");

        Optional<Secret> key = env(Map.of()).resolve(CANONICAL, CANONICAL, file);

        assertThat(revealed(key)).isEqualTo("sk-only");
    }

    @Test
    void readsExportQuotesCommentsAndBlankLines() throws IOException {
        Path file = file("""
                # Ollama Cloud

                export OLLAMA_API_KEY="sk-double"
                """);

        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file))).isEqualTo("sk-double");
    }

    @Test
    void readsSingleQuotedValue() throws IOException {
        Path file = file("OLLAMA_API_KEY='sk-single # not a comment'\n");

        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file))).isEqualTo("sk-single # not a comment");
    }

    @Test
    void inlineCommentAfterUnquotedValueIsNotPartOfTheKey() throws IOException {
        Path file = file("OLLAMA_API_KEY=sk-inline # rotated 2026-01\n");

        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file))).isEqualTo("sk-inline");
    }

    @Test
    void inlineCommentAfterQuotedValueIsNotPartOfTheKey() throws IOException {
        Path file = file("OLLAMA_API_KEY=\"sk-quoted\" # rotated 2026-01\n");

        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file))).isEqualTo("sk-quoted");
    }

    @Test
    void hashWithoutSpaceStaysInTheKey() throws IOException {
        Path file = file("OLLAMA_API_KEY=sk#abc\n");

        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file))).isEqualTo("sk#abc");
    }

    @Test
    void windowsLineEndingsAreNotPartOfTheKey() throws IOException {
        Path file = file("OTHER=1\r\nOLLAMA_API_KEY=sk-crlf\r\n");

        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file))).isEqualTo("sk-crlf");
    }

    @Test
    void bareTokenFileIsTheKey() throws IOException {
        Path file = file("sk-docker-secret\n");

        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file))).isEqualTo("sk-docker-secret");
    }

    @Test
    void bareBase64TokenEndingInPaddingIsTheKeyItself() throws IOException {
        Path file = file("c2VjcmV0LXRva2VuMQ==\n");

        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file))).isEqualTo("c2VjcmV0LXRva2VuMQ==");
    }

    @Test
    void missingFileGivesNoKey() {
        assertThat(env(Map.of()).resolve(CANONICAL, CANONICAL, dir.resolve("absent.env")))
                .isEmpty();
    }

    @Test
    void unreadableFileGivesNoKey() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("not-a-file.env"));

        assertThat(env(Map.of()).resolve(CANONICAL, CANONICAL, directory)).isEmpty();
    }

    @Test
    void binaryGarbageFileGivesNoKey() throws IOException {
        Path file =
                Files.write(dir.resolve("garbage.env"), new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xFE, 0x00});

        assertThat(env(Map.of()).resolve(CANONICAL, CANONICAL, file)).isEmpty();
    }

    @Test
    void proseFileGivesNoKey() throws IOException {
        Path file = file("put your key here\nand restart\n");

        assertThat(env(Map.of()).resolve(CANONICAL, CANONICAL, file)).isEmpty();
    }

    @Test
    void fileWithSeveralUnrelatedAssignmentsGivesNoKey() throws IOException {
        Path file = file("DATABASE_URL=postgres://db\nREDIS_URL=redis://cache\n");

        assertThat(env(Map.of()).resolve(CANONICAL, CANONICAL, file)).isEmpty();
    }

    @Test
    void emptyAssignmentGivesNoKey() throws IOException {
        Path file = file("OLLAMA_API_KEY=\n");

        assertThat(env(Map.of()).resolve(CANONICAL, CANONICAL, file)).isEmpty();
    }

    @Test
    void emptyQuotedAssignmentGivesNoKey() throws IOException {
        Path file = file("OLLAMA_API_KEY=\"\"\n");

        assertThat(env(Map.of()).resolve(CANONICAL, CANONICAL, file)).isEmpty();
    }

    @Test
    void noVariableAndNoFileGivesNoKey() {
        assertThat(env(Map.of("UNRELATED", "x")).resolve(CANONICAL, CANONICAL, null))
                .isEmpty();
    }

    @Test
    void resolvedKeyPrintsAsStars() throws IOException {
        Path file = file("OLLAMA_API_KEY=sk-canary-1234567890\n");

        Secret key = env(Map.of()).resolve(CANONICAL, CANONICAL, file).orElseThrow();

        assertThat(key.toString()).isEqualTo("****");
        assertThat(String.valueOf(Optional.of(key))).doesNotContain("sk-canary");
    }

    /** A key with CR/LF would inject headers upstream; the refusal names the source, never the value. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "sk-canary-9q\r\nX-Injected: 1",
                "sk-canary-9q\nmore",
                "sk-canary-9q\rmore",
                "sk-canary-9q\tmore",
                "sk-canary-9q\u0000",
                "sk-canary-9q\u001b[31m",
                "sk-canary-9q\u007f"
            })
    void keyWithAControlCharacterInTheEnvironmentIsRefusedNamingTheVariable(String key) {
        assertThatThrownBy(() -> env(Map.of(CANONICAL, key)).resolve(CANONICAL, CANONICAL, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("environment variable OLLAMA_API_KEY")
                .hasMessageContaining("control character")
                .hasMessageNotContaining("sk-canary-9q");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "OLLAMA_API_KEY=\"sk-canary-9q\tx\"\n",
                "sk-canary-9q\u0000x\n",
                "OLLAMA_API_KEY=sk-\u001bcanary-9q\n"
            })
    void keyWithAControlCharacterInTheFileIsRefusedNamingTheFile(String text) throws IOException {
        Path file = file(text);

        assertThatThrownBy(() -> env(Map.of()).resolve(CANONICAL, CANONICAL, file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("key file " + file)
                .hasMessageNotContaining("canary");
    }

    @Test
    void surroundingWhiteSpaceIsNotAControlCharacter() throws IOException {
        assertThat(revealed(env(Map.of(CANONICAL, "\tsk-ok\r\n")).resolve(CANONICAL, CANONICAL, null)))
                .isEqualTo("sk-ok");
        assertThat(revealed(env(Map.of()).resolve(CANONICAL, CANONICAL, file("sk-from-secret-file\r\n"))))
                .isEqualTo("sk-from-secret-file");
    }
}
