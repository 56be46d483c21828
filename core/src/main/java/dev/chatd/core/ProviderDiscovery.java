package dev.chatd.core;

import dev.chatd.api.spi.ChatProviderFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Finds the provider factories with {@link ServiceLoader}: on the class path, and in each
 * plugin of the plugins directory ({@link PluginDirectory}). A broken JAR is logged and
 * skipped, including one built against another version of chatd (a {@link LinkageError} such
 * as {@link NoSuchMethodError}, or a factory stating another SPI version); two factories with
 * one name stop start-up, since either choice would route someone's traffic to the wrong
 * upstream.
 */
public final class ProviderDiscovery {
    private static final Logger LOG = Logger.getLogger(ProviderDiscovery.class.getName());
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

    private ProviderDiscovery() {}

    /** The factories on the class path of {@code loader}. */
    public static List<ChatProviderFactory> discover(ClassLoader loader) {
        return checked(load(loader, "the class path"));
    }

    /**
     * The factories on the class path of {@code host}, then those of each plugin in
     * {@code pluginsDir} (none when it is null or does not exist).
     */
    public static List<ChatProviderFactory> discover(ClassLoader host, Path pluginsDir) {
        List<ChatProviderFactory> found = new ArrayList<>(load(host, "the class path"));
        List<PluginDirectory.Plugin> plugins;
        try {
            plugins = PluginDirectory.open(pluginsDir, host);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the plugins directory " + pluginsDir, e);
        }
        for (PluginDirectory.Plugin plugin : plugins) {
            List<ChatProviderFactory> factories = load(plugin.loader(), "plugin " + plugin.name());
            if (factories.isEmpty()) {
                LOG.warning(() -> "plugin " + plugin.name() + " in " + pluginsDir + " provides no usable provider;"
                        + " a provider JAR lists its factory in META-INF/services/"
                        + ChatProviderFactory.class.getName());
            }
            factories.forEach(f -> LOG.info(() -> "plugin " + plugin.name() + ": provider " + nameOrClass(f)));
            found.addAll(factories);
        }
        return checked(found);
    }

    private static List<ChatProviderFactory> load(ClassLoader loader, String where) {
        List<ChatProviderFactory> found = new ArrayList<>();
        Iterator<ChatProviderFactory> it =
                ServiceLoader.load(ChatProviderFactory.class, loader).iterator();
        // ServiceLoader wraps most failures in a ServiceConfigurationError, but a class that fails
        // to link (a missing superclass, a newer class file version) escapes as the LinkageError
        // itself; each failure moves the iterator on, and the bound only guards against one that would not.
        for (int failures = 0; failures < 1_000; ) {
            ChatProviderFactory factory;
            try {
                if (!it.hasNext()) {
                    break;
                }
                factory = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                failures++;
                LOG.log(Level.WARNING, "skipping a provider in {0} that failed to load: {1}", new Object[] {
                    where, describe(e)
                });
                continue;
            }
            if (compatible(factory, where)) {
                found.add(factory);
            }
        }
        return found;
    }

    /** Whether the factory was built for this host's SPI version; says why not, once. */
    private static boolean compatible(ChatProviderFactory factory, String where) {
        String type = factory.getClass().getName();
        int version;
        try {
            version = factory.spiVersion();
        } catch (LinkageError e) { // built before the SPI stated its version
            LOG.warning(
                    () -> "skipping provider " + type + " in " + where + ": it does not state the SPI version it was"
                            + " built for (" + describe(e) + "); rebuild it against this chatd's chatd-api");
            return false;
        } catch (RuntimeException e) {
            LOG.warning(() -> "skipping provider " + type + " in " + where + ": it failed to state its SPI version: "
                    + describe(e));
            return false;
        }
        if (version != ChatProviderFactory.SPI_VERSION) {
            LOG.warning(() -> "skipping provider " + type + " in " + where + ": it was built for chatd SPI version "
                    + version + ", this chatd speaks version " + ChatProviderFactory.SPI_VERSION
                    + "; use a build of it made for this chatd");
            return false;
        }
        return true;
    }

    /** A failure's class and message, and its cause's, in one line. */
    static String describe(Throwable e) {
        String text = e.getClass().getSimpleName() + ": " + e.getMessage();
        return e.getCause() == null ? text : text + " (" + describe(e.getCause()) + ")";
    }

    private static String nameOrClass(ChatProviderFactory factory) {
        try {
            return factory.name();
        } catch (RuntimeException | LinkageError e) {
            return factory.getClass().getName();
        }
    }

    /**
     * The factories in the order given, after checking their names are valid and unique. A
     * factory whose {@code name()} fails is logged and left out.
     */
    public static List<ChatProviderFactory> checked(List<ChatProviderFactory> factories) {
        Map<String, ChatProviderFactory> byName = new LinkedHashMap<>();
        for (ChatProviderFactory factory : factories) {
            String name;
            try {
                name = factory.name();
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, "skipping provider factory {0}: it failed to say its name: {1}", new Object[] {
                    factory.getClass().getName(), describe(e)
                });
                continue;
            }
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalStateException(
                        "provider factory " + factory.getClass().getName() + " has an invalid name '" + name
                                + "': use lower-case letters, digits, '_', '.', '-'");
            }
            ChatProviderFactory clash = byName.putIfAbsent(name, factory);
            if (clash != null) {
                throw new IllegalStateException("two provider factories are named '" + name + "': " + origin(clash)
                        + " and " + origin(factory) + "; remove one of their JARs");
            }
        }
        return List.copyOf(byName.values());
    }

    private static String origin(ChatProviderFactory factory) {
        ClassLoader loader = factory.getClass().getClassLoader();
        String from =
                loader != null && loader.getName() != null && loader.getName().startsWith("plugin ")
                        ? " (" + loader.getName() + ")"
                        : "";
        return factory.getClass().getName() + from;
    }

    /** The factory's own config keys ({@link ChatProviderFactory#settingKeys()}); none when it fails to say. */
    public static Set<String> settingKeys(ChatProviderFactory factory) {
        try {
            Set<String> keys = factory.settingKeys();
            return keys == null ? Set.of() : Set.copyOf(keys);
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "provider factory {0} failed to list its config keys: {1}", new Object[] {
                factory.getClass().getName(), describe(e)
            });
            return Set.of();
        }
    }
}
