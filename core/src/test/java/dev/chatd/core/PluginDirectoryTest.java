package dev.chatd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.spi.ChatProviderFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins as a third party ships them: JARs compiled here from source against {@code chatd-api}
 * alone, dropped into a plugins directory, each loaded by a class loader of its own.
 */
class PluginDirectoryTest {
    private static final ClassLoader HOST = PluginDirectoryTest.class.getClassLoader();

    @TempDir
    Path tmp;

    private Path plugins;
    /** Held here: the log manager keeps loggers only weakly, and a collected one loses the handler. */
    private final Logger discoveryLog = Logger.getLogger(ProviderDiscovery.class.getName());

    private final List<String> log = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            log.add(new java.util.logging.SimpleFormatter().formatMessage(record));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void setUp() throws IOException {
        plugins = Files.createDirectories(tmp.resolve("plugins"));
        discoveryLog.addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        discoveryLog.removeHandler(capture);
    }

    @Test
    void aPluginJarIsFoundAndLoadedByALoaderOfItsOwn() throws Exception {
        jar(
                plugins.resolve("echo.jar"),
                Map.of(
                        "com.example.echo.EchoFactory",
                        factory("com.example.echo", "EchoFactory", "\"echo\"", "SPI_VERSION")),
                "com.example.echo.EchoFactory");

        List<ChatProviderFactory> found = ProviderDiscovery.discover(HOST, plugins);

        ChatProviderFactory echo = only(found, "echo");
        assertThat(echo.getClass().getClassLoader()).isNotSameAs(HOST);
        assertThat(echo.getClass().getClassLoader().getName()).isEqualTo("plugin echo.jar");
        assertThat(log).anyMatch(line -> line.contains("plugin echo.jar: provider echo"));
    }

    @Test
    void twoPluginsMayBundleDifferentVersionsOfTheSameLibrary() throws Exception {
        for (String version : List.of("1", "2")) {
            Path folder = Files.createDirectories(plugins.resolve("vendor-" + version));
            jar(folder.resolve("lib.jar"), Map.of("com.example.lib.Version", """
                    package com.example.lib;
                    public final class Version { public static String value() { return "%s"; } }
                    """.formatted(version)));
            // The factory is the same source in both; its name comes from the library it was bundled with.
            jar(
                    folder.resolve("provider.jar"),
                    Map.of(
                            "com.example.vendor.VendorFactory",
                            factory(
                                    "com.example.vendor",
                                    "VendorFactory",
                                    "\"vendor-v\" + com.example.lib.Version.value()",
                                    "SPI_VERSION")),
                    "com.example.vendor.VendorFactory");
        }

        List<ChatProviderFactory> found = ProviderDiscovery.discover(HOST, plugins);

        assertThat(found).extracting(ChatProviderFactory::name).containsExactly("vendor-v1", "vendor-v2");
    }

    @Test
    void aPluginSeesTheApiButNotTheHostsInternalsOrLibraries() throws Exception {
        jar(
                plugins.resolve("probe.jar"),
                Map.of(
                        "com.example.probe.ProbeFactory",
                        factory(
                                "com.example.probe",
                                "ProbeFactory",
                                "visible(\"dev.chatd.core.ProviderRegistry\") + \"-\" + visible(\"org.junit.jupiter.api.Test\")"
                                        + " + \"-\" + visible(\"dev.chatd.api.ChatRequest\")",
                                "SPI_VERSION")),
                "com.example.probe.ProbeFactory");

        ChatProviderFactory probe = ProviderDiscovery.discover(HOST, plugins).getFirst();

        assertThat(probe.name()).isEqualTo("hidden-hidden-seen");
    }

    @Test
    void aBrokenPluginIsSkippedWithALineNamingItAndTheOthersLoad() throws Exception {
        jar(plugins.resolve("broken.jar"), Map.of(), "com.example.missing.GoneFactory");
        jar(
                plugins.resolve("good.jar"),
                Map.of(
                        "com.example.good.GoodFactory",
                        factory("com.example.good", "GoodFactory", "\"good\"", "SPI_VERSION")),
                "com.example.good.GoodFactory");

        List<ChatProviderFactory> found = ProviderDiscovery.discover(HOST, plugins);

        assertThat(found).extracting(ChatProviderFactory::name).containsExactly("good");
        assertThat(log).anyMatch(line -> line.contains("plugin broken.jar") && line.contains("failed to load"));
    }

    @Test
    void aPluginBuiltForAnotherSpiVersionIsRefusedWithOneLine() throws Exception {
        jar(
                plugins.resolve("future.jar"),
                Map.of(
                        "com.example.future.FutureFactory",
                        factory("com.example.future", "FutureFactory", "\"future\"", "99")),
                "com.example.future.FutureFactory");

        assertThat(ProviderDiscovery.discover(HOST, plugins)).isEmpty();
        assertThat(log)
                .filteredOn(line -> line.contains("com.example.future.FutureFactory"))
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains("plugin future.jar", "SPI version 99", "version " + ChatProviderFactory.SPI_VERSION));
    }

    @Test
    void aPluginBuiltBeforeTheSpiStatedItsVersionIsSkippedNotFatal() throws Exception {
        // Compiled against the SPI as it was before spiVersion() existed.
        Path oldApi = tmp.resolve("old-api");
        compile(oldApi, Map.of("dev.chatd.api.spi.ChatProviderFactory", """
                package dev.chatd.api.spi;
                public interface ChatProviderFactory {
                    String name();
                    ProviderDefaults defaults();
                    java.util.Optional<ChatProvider> create(ProviderContext context);
                }
                """, "com.example.old.OldFactory", """
                package com.example.old;
                import dev.chatd.api.spi.*;
                public final class OldFactory implements ChatProviderFactory {
                    public String name() { return "old"; }
                    public ProviderDefaults defaults() { return ProviderDefaults.keyless("http://127.0.0.1:1"); }
                    public java.util.Optional<ChatProvider> create(ProviderContext c) { return java.util.Optional.empty(); }
                }
                """));
        Files.delete(oldApi.resolve("dev/chatd/api/spi/ChatProviderFactory.class"));
        packJar(oldApi, plugins.resolve("old.jar"), "com.example.old.OldFactory");

        assertThat(ProviderDiscovery.discover(HOST, plugins)).isEmpty();
        assertThat(log)
                .anyMatch(line -> line.contains("com.example.old.OldFactory")
                        && line.contains("plugin old.jar")
                        && line.contains("does not state the SPI version"));
    }

    @Test
    void twoProvidersWithOneNameStopStartUpNamingBothPlugins() throws Exception {
        for (String plugin : List.of("first", "second")) {
            jar(
                    plugins.resolve(plugin + ".jar"),
                    Map.of(
                            "com.example." + plugin + ".DupFactory",
                            factory("com.example." + plugin, "DupFactory", "\"dup\"", "SPI_VERSION")),
                    "com.example." + plugin + ".DupFactory");
        }

        assertThatThrownBy(() -> ProviderDiscovery.discover(HOST, plugins))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'dup'")
                .hasMessageContaining("plugin first.jar")
                .hasMessageContaining("plugin second.jar");
    }

    @Test
    void aMissingPluginsDirectoryMeansNoPlugins() {
        assertThat(ProviderDiscovery.discover(HOST, tmp.resolve("nowhere"))).isEmpty();
        assertThat(ProviderDiscovery.discover(HOST, null)).isEmpty();
    }

    private static ChatProviderFactory only(List<ChatProviderFactory> found, String name) {
        assertThat(found).extracting(ChatProviderFactory::name).containsExactly(name);
        return found.getFirst();
    }

    /** A factory whose name is the Java expression {@code nameExpression}; it never creates a provider. */
    private static String factory(String pkg, String type, String nameExpression, String spiVersion) {
        return """
                package %s;
                import dev.chatd.api.spi.*;
                import java.util.Optional;
                public final class %s implements ChatProviderFactory {
                    public int spiVersion() { return %s; }
                    public String name() { return %s; }
                    public ProviderDefaults defaults() { return ProviderDefaults.keyless("http://127.0.0.1:1"); }
                    public Optional<ChatProvider> create(ProviderContext context) { return Optional.empty(); }
                    static String visible(String type) {
                        try {
                            Class.forName(type, false, %s.class.getClassLoader());
                            return "seen";
                        } catch (ClassNotFoundException e) {
                            return "hidden";
                        }
                    }
                }
                """.formatted(pkg, type, spiVersion, nameExpression, type);
    }

    /** Compiles {@code sources} (type name to source) against this test's class path and packs a JAR. */
    private void jar(Path jar, Map<String, String> sources, String... services) throws IOException {
        Path classes = Files.createTempDirectory(tmp, "classes");
        // Earlier JARs of the same folder (a bundled library) are on the compile path too.
        compile(classes, sources, jar.getParent());
        packJar(classes, jar, services);
    }

    private static void compile(Path out, Map<String, String> sources, Path... extraJarDirs) throws IOException {
        if (sources.isEmpty()) {
            return;
        }
        Path src = Files.createDirectories(out.resolveSibling(out.getFileName() + "-src"));
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-proc:none", "-nowarn"));
        StringBuilder classPath = new StringBuilder(out.toString())
                .append(java.io.File.pathSeparator)
                .append(System.getProperty("java.class.path"));
        for (Path dir : extraJarDirs) {
            try (Stream<Path> jars = Files.list(dir)) {
                jars.filter(p -> p.toString().endsWith(".jar"))
                        .forEach(p ->
                                classPath.append(java.io.File.pathSeparator).append(p));
            }
        }
        args.addAll(List.of("-cp", classPath.toString()));
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, args.toArray(String[]::new));
        assertThat(rc).as("javac exit code").isZero();
    }

    private static void packJar(Path classes, Path jar, String... services) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            if (services.length > 0) {
                out.putNextEntry(new JarEntry("META-INF/services/" + ChatProviderFactory.class.getName()));
                out.write(String.join("\n", services).getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    out.putNextEntry(
                            new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    try (OutputStream entry = new java.io.FilterOutputStream(out) {
                        @Override
                        public void close() {}
                    }) {
                        Files.copy(file, entry);
                    }
                    out.closeEntry();
                }
            }
        }
    }
}
