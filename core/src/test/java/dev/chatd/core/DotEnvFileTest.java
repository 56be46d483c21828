package dev.chatd.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DotEnvFileTest {

    @Test
    void readsEveryAssignmentAndSkipsCommentsAndBlankLines() {
        DotEnvFile file = DotEnvFile.parse("""
                # comment

                A=1
                export B='two'
                C = "three"
                """);

        assertThat(file.assignments()).isEqualTo(Map.of("A", "1", "B", "two", "C", "three"));
        assertThat(file.bareToken()).isNull();
    }

    @Test
    void onlyAssignmentIsNullWhenThereAreSeveral() {
        assertThat(DotEnvFile.parse("A=1\nB=2\n").onlyAssignment()).isNull();
        assertThat(DotEnvFile.parse("A=1\n").onlyAssignment()).isEqualTo("1");
    }

    @Test
    void valueMayContainEqualsSigns() {
        assertThat(DotEnvFile.parse("KEY=abc==\n").assignments()).containsEntry("KEY", "abc==");
    }

    @Test
    void loneTokenWithSpacesIsNotABareToken() {
        assertThat(DotEnvFile.parse("not a token\n").bareToken()).isNull();
    }

    @Test
    void loneBase64TokenIsABareTokenNotAnAssignment() {
        DotEnvFile file = DotEnvFile.parse("c2VjcmV0==");

        assertThat(file.bareToken()).isEqualTo("c2VjcmV0==");
        assertThat(file.assignments()).isEmpty();
    }

    @Test
    void loneBase64TokenWithOnePaddingCharIsABareToken() {
        assertThat(DotEnvFile.parse("c2VjcmV0MQ=\n").bareToken()).isEqualTo("c2VjcmV0MQ=");
    }

    @Test
    void loneEmptyAssignmentIsNotABareToken() {
        DotEnvFile file = DotEnvFile.parse("OLLAMA_API_KEY=\n");

        assertThat(file.bareToken()).isNull();
        assertThat(file.assignments()).containsEntry("OLLAMA_API_KEY", "");
    }

    @Test
    void quotedValueFollowedByACommentKeepsOnlyTheQuotedText() {
        assertThat(DotEnvFile.parse("KEY='abc' # note\n").assignments()).containsEntry("KEY", "abc");
    }
}
