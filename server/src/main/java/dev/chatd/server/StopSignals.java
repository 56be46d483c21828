package dev.chatd.server;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;

/**
 * Takes SIGTERM and SIGINT from the JVM, whose own handling runs the shutdown hooks at once and
 * exits with status 143 (130): chatd wants to drain first, with its log still open, and then
 * exit 0. Through {@code sun.misc.Signal} (module {@code jdk.unsupported}, the JDK's supported
 * way to do this), reached by reflection because javac warns on every direct use of it, and no
 * {@code @SuppressWarnings} silences that warning.
 */
final class StopSignals {
    private StopSignals() {}

    /**
     * Runs {@code onSignal} on each SIGTERM or SIGINT, each time on a new thread (the JDK's
     * dispatch), so a second signal arrives while the first is still being handled.
     *
     * @return false when the JVM does not let chatd handle them (e.g. started with {@code -Xrs})
     */
    static boolean install(Runnable onSignal) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(
                    StopSignals.class.getClassLoader(),
                    new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            onSignal.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "chatd stop handler";
                    });
            Method handle = signal.getMethod("handle", signal, handlerType);
            for (String name : List.of("TERM", "INT")) {
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
