package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged {@code chatd.jar} run as a real process the way the README starts it, with a
 * config file, an environment of its own (no {@code CHATD*} or {@code *_API_KEY} from the
 * machine) and its output captured. Closing it stops the process.
 */
final class ChatdProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("chatd listening on port (\\d+)");

    private final Process process;
    private final Path log;
    private final int port;

    private ChatdProcess(Process process, Path log) throws Exception {
        this.process = process;
        this.log = log;
        this.port = awaitPort();
    }

    /** {@code server/target/chatd.jar}, as Maven's failsafe run names it. */
    static Path jar() {
        Path jar = Path.of(System.getProperty("chatd.jar", "target/chatd.jar"));
        assertThat(jar).exists();
        return jar;
    }

    /** Writes {@code yaml} to {@code dir/chatd.yaml}, starts {@code jar} with it and waits until it listens. */
    static ChatdProcess start(Path jar, Path dir, String yaml, Map<String, String> env) throws Exception {
        Path config = dir.resolve("chatd.yaml");
        Files.writeString(config, yaml);
        // Output to a file: a pipe read while the process exits can lose its last lines (the JDK closes it under the reader).
        Path log = Files.createTempFile(dir, "chatd-", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar.toString(), "--config", config.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("CHATD") || k.endsWith("_API_KEY"));
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            return new ChatdProcess(process, log);
        } catch (Exception | AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private int awaitPort() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String line : output()) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("chatd exited: " + output());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("chatd did not start listening within 30 s: " + output());
    }

    int port() {
        return port;
    }

    Process process() {
        return process;
    }

    /** Every line chatd wrote so far. */
    List<String> output() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until a line containing {@code text} was written; false if not within {@code seconds}. */
    boolean awaitOutput(String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (output().stream().anyMatch(l -> l.contains(text))) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
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
