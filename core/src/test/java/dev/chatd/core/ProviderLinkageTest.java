package dev.chatd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider JAR built against another version of chatd fails with a {@link LinkageError}
 * ({@link NoSuchMethodError}, {@link NoClassDefFoundError}) instead of an exception. It must be
 * skipped with a log line like any other broken provider, never stop the server.
 */
class ProviderLinkageTest {
    private static final ProviderRegistry.Settings SETTINGS =
            new ProviderRegistry.Settings("ollama", Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of());

    @TempDir
    Path dir;

    /** A keyless factory that works, to prove the others go on. */
    static final class Healthy implements ChatProviderFactory {
        @Override
        public int spiVersion() {
            return SPI_VERSION;
        }

        @Override
        public String name() {
            return "ollama";
        }

        @Override
        public ProviderDefaults defaults() {
            return ProviderDefaults.keyless("http://127.0.0.1:1");
        }

        @Override
        public Optional<ChatProvider> create(ProviderContext context) {
            return Optional.of(new ProviderRegistryTest.StubProvider("ollama", true));
        }
    }

    /** A factory whose every method but {@code name()} fails the way a mismatched JAR does. */
    static class Mismatched implements ChatProviderFactory {
        private final String name;
        private final Error error;

        Mismatched(String name, Error error) {
            this.name = name;
            this.error = error;
        }

        @Override
        public int spiVersion() {
            return SPI_VERSION;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public ProviderDefaults defaults() {
            return ProviderDefaults.keyless("http://127.0.0.1:1");
        }

        @Override
        public Optional<String> claim(String model) {
            throw error;
        }

        @Override
        public Optional<ChatProvider> create(ProviderContext context) {
            throw error;
        }
    }

    private static ProviderRegistry registry(ChatProviderFactory... factories) {
        return ProviderRegistry.build(List.of(factories), SETTINGS, new KeyResolver(name -> null));
    }

    @Test
    void factoryThatThrowsNoSuchMethodErrorFromCreateIsSkipped() {
        try (ProviderRegistry registry = registry(
                new Mismatched(
                        "old", new NoSuchMethodError("'java.util.Map dev.chatd.api.spi.ProviderContext.options()'")),
                new Healthy())) {
            assertThat(registry.names()).containsExactly("ollama");
            assertThat(registry.route("ollama/llama3.2").provider().name()).isEqualTo("ollama");
            assertThatThrownBy(() -> registry.route("old/x"))
                    .isInstanceOf(ChatException.ProviderNotFound.class)
                    .hasMessageContaining("failed to start");
        }
    }

    @Test
    void factoryThatThrowsFromDefaultsIsSkipped() {
        ChatProviderFactory broken = new Mismatched("old", new NoClassDefFoundError("dev/chatd/api/spi/Gone")) {
            @Override
            public ProviderDefaults defaults() {
                throw new NoClassDefFoundError("dev/chatd/api/spi/Gone");
            }
        };
        try (ProviderRegistry registry = registry(broken, new Healthy())) {
            assertThat(registry.names()).containsExactly("ollama");
        }
    }

    @Test
    void factoryThatThrowsFromNameIsLeftOut() {
        ChatProviderFactory broken = new Mismatched("old", new AbstractMethodError()) {
            @Override
            public String name() {
                throw new NoSuchMethodError("name");
            }
        };
        assertThat(ProviderDiscovery.checked(List.of(broken, new Healthy()))).hasSize(1);
        try (ProviderRegistry registry = registry(broken, new Healthy())) {
            assertThat(registry.names()).containsExactly("ollama");
        }
    }

    @Test
    void factoryThatThrowsFromClaimClaimsNothing() {
        try (ProviderRegistry registry =
                registry(new Mismatched("old", new NoSuchMethodError("claim")), new Healthy())) {
            ProviderRegistry.Route route = registry.route("gpt-oss:120b-cloud");

            assertThat(route.provider().name()).as("the default provider").isEqualTo("ollama");
            assertThat(route.upstreamModel()).isEqualTo("gpt-oss:120b-cloud");
            assertThat(registry.route("gpt-oss:20b").provider().name()).isEqualTo("ollama");
        }
    }

    @Test
    void otherErrorsAreNotAProvidersFaultAndAreNotSwallowed() {
        assertThatThrownBy(
                        () -> registry(new Mismatched("big", new OutOfMemoryError("Java heap space")), new Healthy()))
                .isInstanceOf(OutOfMemoryError.class);
    }

    /**
     * Real JARs, not stubs: a factory compiled against a class that later lost a method (so
     * {@code create} fails with a genuine NoSuchMethodError), and one whose superclass is gone
     * (so loading it fails with NoClassDefFoundError, which ServiceLoader does not wrap).
     */
    @Test
    void discoverySkipsFactoriesThatFailToLinkAndKeepsTheRest() throws Exception {
        Path classes = Files.createDirectories(dir.resolve("classes"));
        compile(
                classes,
                Map.of(
                        "x/Api.java", "package x; public class Api { public static String options() { return \"\"; } }",
                        "x/Base.java", "package x; public abstract class Base {}",
                        "x/OldFactory.java", factory("OldFactory", "old", "", "x.Api.options();"),
                        "x/Orphan.java", factory("Orphan", "orphan", "extends Base", ""),
                        "x/Fine.java", factory("Fine", "fine", "", "")));
        // The core they were built against changes: Api loses its method, Base goes away.
        compile(classes, Map.of("x/Api.java", "package x; public class Api {}"));
        Files.delete(classes.resolve("x/Base.class"));
        Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(
                classes.resolve("META-INF/services/" + ChatProviderFactory.class.getName()),
                "x.Orphan\nx.OldFactory\nx.Fine\n");

        try (URLClassLoader loader = new URLClassLoader(
                new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            List<ChatProviderFactory> found = ProviderDiscovery.discover(loader);

            assertThat(found).extracting(ChatProviderFactory::name).containsExactly("old", "fine");
            try (ProviderRegistry registry = ProviderRegistry.build(found, SETTINGS, new KeyResolver(name -> null))) {
                assertThat(registry.names()).containsExactly("fine");
            }
        }
    }

    private static String factory(String className, String name, String superclass, String inCreate) {
        return """
                package x;
                import dev.chatd.api.spi.*;
                import java.util.Optional;
                public class %s %s implements ChatProviderFactory {
                    public int spiVersion() { return SPI_VERSION; }
                    public String name() { return "%s"; }
                    public ProviderDefaults defaults() { return ProviderDefaults.keyless("http://127.0.0.1:1"); }
                    public Optional<ChatProvider> create(ProviderContext context) {
                        %s
                        return Optional.of(new ChatProvider() {
                            public String name() { return "%s"; }
                            public boolean available() { return true; }
                            public dev.chatd.api.ChatResponse chat(dev.chatd.api.ChatRequest request) { throw new UnsupportedOperationException(); }
                        });
                    }
                }
                """.formatted(className, superclass, name, inCreate, name);
    }

    private static void compile(Path classes, Map<String, String> sources) throws IOException {
        Path src = Files.createTempDirectory(classes.getParent(), "src");
        List<String> args = new java.util.ArrayList<>(List.of(
                "-d",
                classes.toString(),
                "-classpath",
                classes
                        + java.io.File.pathSeparator
                        + Path.of(ChatProviderFactory.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .getPath())));
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        assertThat(javac.run(null, errors, errors, args.toArray(String[]::new)))
                .as(errors.toString())
                .isZero();
    }
}
