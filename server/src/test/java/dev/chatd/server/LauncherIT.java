package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/chatd} finds a Java 21+ by itself, as on a fresh machine whose default {@code java}
 * is older and with no JAVA_HOME; and says in one line what to install when there is none.
 */
class LauncherIT {
    /** What bin/chatd needs besides bash's built-ins; a PATH of only these has no java on it. */
    private static final List<String> TOOLS =
            List.of("bash", "dirname", "readlink", "sed", "head", "cksum", "cut", "rm");

    @TempDir
    Path dir;

    private static Path script() {
        return Path.of(System.getProperty("basedir", "."))
                .toAbsolutePath()
                .resolve("../bin/chatd")
                .normalize();
    }

    private static ChatdProcess chatd(Path dir, Map<String, String> env, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(script().toString()));
        command.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(env);
        all.put("CHATD_JAR", ChatdProcess.jar().toAbsolutePath().toString());
        return ChatdProcess.start(command, dir, all);
    }

    /** A PATH directory holding only the tools bin/chatd uses: no java at all. */
    private Path toolsOnly() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("tools"));
        for (String tool : TOOLS) {
            Path real = Files.exists(Path.of("/usr/bin", tool)) ? Path.of("/usr/bin", tool) : Path.of("/bin", tool);
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
        return bin;
    }

    /** A Java home that says it is Java 17 and whose java must never run. */
    private Path oldJdk() throws IOException {
        Path home = Files.createDirectories(dir.resolve("old-jdk/bin"));
        Files.writeString(home.getParent().resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
        Path java = Files.writeString(home.resolve("java"), "#!/bin/sh\necho 'the old java ran' >&2\nexit 3\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home.getParent();
    }

    private static String version() {
        return "chatd " + System.getProperty("chatd.version", "0.1.0-SNAPSHOT") + " (Java ";
    }

    @Test
    void findsTheNewestJdkInAStandardPlaceWithoutJavaHome() throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
        assumeTrue(
                List.of("/usr/lib/jvm", "/opt/java", "/usr/java", "/usr/jdk", "/usr/local", "/opt").stream()
                        .anyMatch(place -> javaHome.startsWith(place)),
                "the JDK running this test is not in a standard place");

        try (ChatdProcess chatd = chatd(dir, Map.of("PATH", "/usr/bin:/bin"), "--version")) {
            assertThat(chatd.exitCode()).as(chatd.text()).isZero();
            assertThat(chatd.text()).startsWith(version());
            int major = Integer.parseInt(chatd.text().replaceAll("(?s).*\\(Java (\\d+).*", "$1"));
            assertThat(major).isGreaterThanOrEqualTo(21);
        }
    }

    @Test
    void anOldJavaHomeAndNoJavaOnThePathFallBackToTheSearchedPlaces() throws Exception {
        Path jdks = Files.createDirectories(dir.resolve("jdks"));
        Files.createSymbolicLink(jdks.resolve("jdk-under-test"), Path.of(System.getProperty("java.home")));
        Path old = oldJdk();

        try (ChatdProcess chatd = chatd(
                dir,
                Map.of(
                        "PATH",
                        toolsOnly().toString(),
                        "JAVA_HOME",
                        old.toString(),
                        "CHATD_JDK_DIRS",
                        "/nonexistent " + jdks),
                "--version")) {
            assertThat(chatd.exitCode()).as(chatd.text()).isZero();
            assertThat(chatd.lines())
                    .contains(
                            "chatd: JAVA_HOME (" + old + ") is not Java 21+; using " + jdks.resolve("jdk-under-test"));
            assertThat(chatd.lines()).anyMatch(line -> line.startsWith(version()));
            assertThat(chatd.text()).doesNotContain("the old java ran");
        }
    }

    @Test
    void javaHomeWins() throws Exception {
        try (ChatdProcess chatd = chatd(
                dir,
                Map.of(
                        "PATH",
                        toolsOnly().toString(),
                        "JAVA_HOME",
                        System.getProperty("java.home"),
                        "CHATD_JDK_DIRS",
                        "/nonexistent"),
                "--version")) {
            assertThat(chatd.exitCode()).as(chatd.text()).isZero();
            assertThat(chatd.lines()).singleElement().asString().startsWith(version());
        }
    }

    @Test
    void noJava21AnywhereIsOneLineSayingWhatToInstall() throws Exception {
        Path nothing = Files.createDirectories(dir.resolve("no-jdks"));

        try (ChatdProcess chatd = chatd(
                dir,
                Map.of(
                        "PATH",
                        toolsOnly().toString(),
                        "JAVA_HOME",
                        oldJdk().toString(),
                        "CHATD_JDK_DIRS",
                        nothing.toString()),
                "--version")) {
            assertThat(chatd.exitCode()).isEqualTo(1);
            assertThat(chatd.lines())
                    .singleElement()
                    .asString()
                    .startsWith("chatd: needs Java 21 or newer and found none")
                    .contains("install a JDK or JRE 21+", nothing.toString());
        }
    }
}
