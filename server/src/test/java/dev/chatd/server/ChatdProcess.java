package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * chatd as a real process (the packaged JAR, or {@code bin/chatd}), its standard output and
 * error collected line by line. The environment it gets is the test's without anything that
 * configures chatd ({@code CHATD_*}, {@code SERVER_*}, {@code *_API_KEY}, {@code JAVA_HOME}),
 * plus what the test gives. Closing it stops the process.
 */
final class ChatdProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("chatd listening on port (\\d+)");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    private ChatdProcess(Process process) {
        this.process = process;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                output.add("(reading the output failed: " + e + ")");
            }
            port.completeExceptionally(new AssertionError("chatd stopped without listening:\n" + text()));
            drained.complete(null);
        });
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

    /** Any command, with chatd's settings taken out of the environment and {@code env} put in. */
    static ChatdProcess start(List<String> command, Path dir, Map<String, String> env) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("CHATD") || k.startsWith("SERVER_")
                || k.endsWith("_API_KEY") || k.equals("JAVA_HOME"));
        builder.environment().putAll(env);
        try {
            return new ChatdProcess(builder.start());
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command, e);
        }
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("chatd.jar", "target/chatd.jar"));
        assertThat(jar).exists();
        return jar;
    }

    /** The port from the start-up line, once chatd listens (or fails the test if it stops first). */
    int port() throws Exception {
        return port.get(60, TimeUnit.SECONDS);
    }

    /** Waits for the process to end by itself and returns its exit code, all output read. */
    int exitCode() throws Exception {
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chatd ended by itself:\n" + text()).isTrue();
        drained.get(10, TimeUnit.SECONDS);
        return process.exitValue();
    }

    List<String> lines() {
        return List.copyOf(output);
    }

    String text() {
        return String.join("\n", output);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
