package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged {@code server/target/chatd.jar} run as a real process with the JVM flags
 * {@code bin/chatd} launches it with (read from the script, so that the two cannot drift), its
 * output collected, its port and memory at hand. Closing it stops the process.
 */
final class PackagedChatd implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("chatd listening on port (\\d+)");
    /** The first {@code OPTS=(...)} in bin/chatd: the collector, the heap and exit on out-of-memory. */
    private static final Pattern LAUNCH_FLAGS = Pattern.compile("(?m)^OPTS=\\(([^)]*)\\)");

    private final Process process;
    private final List<String> output;
    private final int port;

    private PackagedChatd(Process process, List<String> output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** The JVM flags of {@code bin/chatd}, without its start-up cache. */
    static List<String> launchFlags() throws IOException {
        Path script = Path.of(System.getProperty("chatd.launcher", "../bin/chatd"));
        Matcher m = LAUNCH_FLAGS.matcher(Files.readString(script));
        assertThat(m.find()).as("bin/chatd sets OPTS=(...)").isTrue();
        return Arrays.asList(m.group(1).trim().split("\\s+"));
    }

    /** Starts the JAR with bin/chatd's flags, {@code yaml} as its config file in {@code dir}, and only {@code env} of chatd's variables. */
    static PackagedChatd start(Path dir, String yaml, Map<String, String> env) throws Exception {
        Path config = dir.resolve("chatd.yaml");
        Files.writeString(config, yaml);
        Path jar = Path.of(System.getProperty("chatd.jar", "target/chatd.jar"));
        assertThat(jar).exists();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(launchFlags());
        command.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("CHATD") || k.endsWith("_API_KEY"));
        builder.environment().putAll(env);
        Process process = builder.start();

        List<String> output = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
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
                port.completeExceptionally(new AssertionError("chatd exited: " + output));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        });
        try {
            return new PackagedChatd(process, output, port.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    int port() {
        return port;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    List<String> output() {
        return List.copyOf(output);
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
