package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * chatd as a real process (the packaged JAR, or {@code bin/chatd}), its standard output and
 * error collected in a file. The environment it gets is the test's without anything that
 * configures chatd ({@code CHATD_*}, {@code SERVER_*}, {@code *_API_KEY}, {@code JAVA_HOME}),
 * plus what the test gives. Closing it stops the process (SIGTERM, then SIGKILL).
 */
final class ChatdProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("chatd listening on port (\\d+)");
    /** The first {@code OPTS=(...)} in bin/chatd: the collector, the heap and exit on out-of-memory. */
    private static final Pattern LAUNCH_FLAGS = Pattern.compile("(?m)^OPTS=\\(([^)]*)\\)");

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** {@code GET http://127.0.0.1:<port><path>}, waiting at most 10 s. */
    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST} of a JSON body to {@code http://127.0.0.1:<port><path>}, waiting at most 10 s. */
    static HttpResponse<String> post(int port, String path, String body) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private final Process process;
    // A file, not a pipe: a pipe read while the process exits can lose its last lines.
    private final Path log;

    private ChatdProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code server/target/chatd.jar}, as Maven's failsafe run names it. */
    static Path jar() {
        Path jar = Path.of(System.getProperty("chatd.jar", "target/chatd.jar"));
        assertThat(jar).exists();
        return jar;
    }

    /** The packaged JAR: {@code java <jvmOptions> -jar chatd.jar <args>}, run in {@code dir}. */
    static ChatdProcess jar(Path dir, List<String> jvmOptions, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return start(command, dir, env);
    }

    /** The JVM flags of {@code bin/chatd}, without its start-up cache, read from the script so the two cannot drift. */
    static List<String> launchFlags() throws IOException {
        Path script = Path.of(System.getProperty("chatd.launcher", "../bin/chatd"));
        Matcher m = LAUNCH_FLAGS.matcher(Files.readString(script));
        assertThat(m.find()).as("bin/chatd sets OPTS=(...)").isTrue();
        return List.of(m.group(1).trim().split("\\s+"));
    }

    /** Writes {@code yaml} to {@code dir/chatd.yaml}, starts {@code jar} with it and waits until it listens. */
    static ChatdProcess start(Path jar, Path dir, String yaml, Map<String, String> env) throws IOException {
        return start(jar, dir, yaml, env, List.of());
    }

    /** As {@link #start(Path, Path, String, Map)}, with JVM options (e.g. {@link #launchFlags()}). */
    static ChatdProcess start(Path jar, Path dir, String yaml, Map<String, String> env, List<String> jvmOptions)
            throws IOException {
        Path config = dir.resolve("chatd.yaml");
        Files.writeString(config, yaml);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
        ChatdProcess chatd = start(command, dir, env);
        try {
            chatd.port();
            return chatd;
        } catch (RuntimeException | AssertionError e) {
            chatd.process.destroyForcibly();
            throw e;
        }
    }

    /** Any command, with chatd's settings taken out of the environment and {@code env} put in. */
    static ChatdProcess start(List<String> command, Path dir, Map<String, String> env) {
        try {
            Path log = Files.createTempFile(dir, "chatd-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment()
                    .keySet()
                    .removeIf(k -> k.startsWith("CHATD")
                            || k.startsWith("SERVER_")
                            || k.endsWith("_API_KEY")
                            || k.equals("JAVA_HOME"));
            builder.environment().putAll(env);
            return new ChatdProcess(builder.start(), log);
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command, e);
        }
    }

    /** The port from the start-up line, once chatd listens (fails the test if it stops first or takes 60 s). */
    int port() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : lines()) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("chatd stopped without listening:\n" + text());
            }
            sleep();
        }
        throw new AssertionError("chatd did not start listening within 60 s:\n" + text());
    }

    /** Waits for the process to end by itself and returns its exit code. */
    int exitCode() throws InterruptedException {
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("chatd ended by itself:\n" + text())
                .isTrue();
        return process.exitValue();
    }

    Process process() {
        return process;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The process' resident set size in KiB, from /proc/&lt;pid&gt;/status; -1 where there is none. */
    long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    /** Every line chatd wrote so far. */
    List<String> lines() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every line chatd wrote so far (the name the shutdown tests use). */
    List<String> output() {
        return lines();
    }

    String text() {
        return String.join("\n", lines());
    }

    /** Waits until a line containing {@code text} was written; false if not within {@code seconds}. */
    boolean awaitOutput(String text, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (lines().stream().anyMatch(l -> l.contains(text))) {
                return true;
            }
            sleep();
        }
        return false;
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
