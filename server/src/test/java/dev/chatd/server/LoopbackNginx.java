package dev.chatd.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * nginx as a real process on 127.0.0.1, in the foreground ({@code daemon off}) so that it is this
 * test's child and closing it stops it. Its configuration is the caller's {@code http}-level
 * text (upstream and server blocks) inside a frame that keeps every file nginx writes in
 * {@code dir}, with an access log naming the replica that answered each request.
 */
final class LoopbackNginx implements AutoCloseable {
    private static final List<String> PLACES =
            List.of("/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/opt/homebrew/bin");

    private final Process process;
    private final Path dir;

    private LoopbackNginx(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** The nginx executable on the PATH or in the usual places; fails saying how to install it. */
    static Path executable() {
        Stream<String> path = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator));
        return Stream.concat(path, PLACES.stream())
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, "nginx"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new AssertionError("ScaleOutIT runs two chatd processes behind nginx and found no"
                        + " nginx (looked on the PATH and in " + PLACES + "): install it (Debian/Ubuntu: apt-get"
                        + " install nginx-light; Fedora: dnf install nginx; macOS: brew install nginx), or skip"
                        + " this test with -Dit.test='*IT,!ScaleOutIT'; .ci/run installs it"));
    }

    /** A port free now on 127.0.0.1, for a listener that cannot take port 0 (nginx). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts nginx with {@code http} inside its http block and waits until {@code port} accepts. */
    static LoopbackNginx start(Path dir, String http, int port) throws IOException, InterruptedException {
        Path nginx = executable();
        Files.createDirectories(dir);
        String conf = """
                worker_processes 1;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events { worker_connections 1024; }
                http {
                  log_format replicas '$http_x_request_id $status upstream=$upstream_addr upstream_status=$upstream_status';
                  access_log %1$s/access.log replicas;
                  client_body_temp_path %1$s/body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                %2$s
                }
                """.formatted(dir, http);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        Process process = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nginx.out").toFile())
                .start();
        LoopbackNginx started = new LoopbackNginx(process, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("nginx stopped at start:\n" + Files.readString(dir.resolve("nginx.out")) + "\n"
                        + started.errorLog());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return started;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        started.close();
        throw new AssertionError("nginx did not listen on " + port + " within 10 s:\n" + started.errorLog());
    }

    /** nginx's error log: connection failures to replicas and the retries they caused. */
    String errorLog() {
        return read(dir.resolve("error.log"));
    }

    /** One line per request: its X-Request-Id, status, and every replica tried with its status. */
    String accessLog() {
        return read(dir.resolve("access.log"));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: nginx's fast shutdown
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
