package dev.chatd.core;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The plugins directory ({@code chatd.plugins-dir}): each JAR directly in it, and each folder of
 * JARs, is one plugin with a class loader of its own. That loader's parent sees only the
 * provider-facing packages of the host ({@code dev.chatd.api}, {@code dev.chatd.kit}) and the
 * JDK, so a plugin never links against the host's internals or its libraries, and two plugins
 * may bundle different versions of the same library (Trino's plugin model).
 */
public final class PluginDirectory {

    /** One plugin: what the log calls it and the loader its classes come from. */
    public record Plugin(String name, ClassLoader loader) {}

    /** The packages a plugin shares with the host: the SPI, the normalised model and the provider kit. */
    static final List<String> SHARED_PACKAGES = List.of("dev.chatd.api.", "dev.chatd.kit.");

    private PluginDirectory() {}

    /**
     * The plugins in {@code dir}, sorted by name; none when it does not exist. Files that are
     * neither JARs nor folders are ignored.
     *
     * @throws IOException when the directory exists but cannot be listed
     */
    public static List<Plugin> open(Path dir, ClassLoader host) throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        ClassLoader shared = new SharedClassLoader(host);
        List<Plugin> plugins = new ArrayList<>();
        for (Path entry : sorted(dir)) {
            List<Path> jars = Files.isDirectory(entry)
                    ? sorted(entry).stream().filter(PluginDirectory::isJar).toList()
                    : isJar(entry) ? List.of(entry) : List.of();
            if (!jars.isEmpty()) {
                String name = entry.getFileName().toString();
                plugins.add(new Plugin(name, new URLClassLoader("plugin " + name, urls(jars), shared)));
            }
        }
        return plugins;
    }

    private static List<Path> sorted(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        }
    }

    private static boolean isJar(Path path) {
        return Files.isRegularFile(path) && path.getFileName().toString().endsWith(".jar");
    }

    private static URL[] urls(List<Path> jars) {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = jars.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException(jars.get(i) + " is not a usable path", e);
            }
        }
        return urls;
    }

    /**
     * A plugin's parent: the JDK (through the platform loader) plus the shared packages, taken
     * from the host so that a plugin's {@code ChatProviderFactory} is the host's type. Resources
     * come from the JDK only, so {@link java.util.ServiceLoader} sees just the plugin's own
     * service files.
     */
    static final class SharedClassLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final ClassLoader host;

        SharedClassLoader(ClassLoader host) {
            super("chatd-shared", ClassLoader.getPlatformClassLoader());
            this.host = host;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            for (String prefix : SHARED_PACKAGES) {
                if (name.startsWith(prefix)) {
                    return host.loadClass(name);
                }
            }
            return super.loadClass(name, resolve);
        }
    }
}
