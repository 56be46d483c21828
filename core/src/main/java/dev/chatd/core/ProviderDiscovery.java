package dev.chatd.core;

import dev.chatd.api.spi.ChatProviderFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Finds the provider factories on the class path with {@link ServiceLoader}. A broken JAR is
 * logged and skipped, including one built against another version of chatd (a
 * {@link LinkageError} such as {@link NoSuchMethodError} or {@link NoClassDefFoundError}); two
 * factories with one name stop start-up, since either choice would route someone's traffic to
 * the wrong upstream.
 */
public final class ProviderDiscovery {
    private static final Logger LOG = Logger.getLogger(ProviderDiscovery.class.getName());
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

    private ProviderDiscovery() {}

    public static List<ChatProviderFactory> discover(ClassLoader loader) {
        List<ChatProviderFactory> found = new ArrayList<>();
        Iterator<ChatProviderFactory> it = ServiceLoader.load(ChatProviderFactory.class, loader).iterator();
        // ServiceLoader wraps most failures in a ServiceConfigurationError, but a class that fails
        // to link (a missing superclass, a newer class file version) escapes as the LinkageError
        // itself; each failure moves the iterator on, and the bound only guards against one that would not.
        for (int failures = 0; failures < 1_000; ) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                failures++;
                LOG.log(Level.WARNING, "skipping a provider that failed to load: {0}", describe(e));
            }
        }
        return checked(found);
    }

    /** A failure's class and message, and its cause's, in one line. */
    static String describe(Throwable e) {
        String text = e.getClass().getSimpleName() + ": " + e.getMessage();
        return e.getCause() == null ? text : text + " (" + describe(e.getCause()) + ")";
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
                LOG.log(Level.WARNING, "skipping provider factory {0}: it failed to say its name: {1}",
                        new Object[] {factory.getClass().getName(), describe(e)});
                continue;
            }
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalStateException("provider factory " + factory.getClass().getName()
                        + " has an invalid name '" + name + "': use lower-case letters, digits, '_', '.', '-'");
            }
            ChatProviderFactory clash = byName.putIfAbsent(name, factory);
            if (clash != null) {
                throw new IllegalStateException("two provider factories are named '" + name + "': "
                        + clash.getClass().getName() + " and " + factory.getClass().getName()
                        + "; remove one of their JARs from the class path");
            }
        }
        return List.copyOf(byName.values());
    }

    /** The factory's own config keys ({@link ChatProviderFactory#settingKeys()}); none when it fails to say. */
    public static Set<String> settingKeys(ChatProviderFactory factory) {
        try {
            Set<String> keys = factory.settingKeys();
            return keys == null ? Set.of() : Set.copyOf(keys);
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "provider factory {0} failed to list its config keys: {1}",
                    new Object[] {factory.getClass().getName(), describe(e)});
            return Set.of();
        }
    }
}
