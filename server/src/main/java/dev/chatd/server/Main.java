package dev.chatd.server;

import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderDiscovery;
import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import io.helidon.logging.common.LogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Starts chatd: {@code java -jar chatd.jar [--config chatd.yaml]}. Without {@code --config}
 * it reads {@code chatd.yaml} from the working directory when there is one. System
 * properties and environment variables override the file (Helidon's mapping).
 */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {}

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Path file;
        try {
            file = configFile(args);
        } catch (IllegalArgumentException e) {
            System.err.println("chatd: " + e.getMessage());
            System.err.println("usage: java -jar chatd.jar [--config <file.yaml>]");
            System.exit(2);
            return;
        }
        ChatdServer server;
        try {
            Config config = load(file);
            KeyResolver keys = new KeyResolver(System::getenv);
            server = ChatdServer.start(ChatdConfig.from(config, keys),
                    ProviderDiscovery.discover(Main.class.getClassLoader()), keys);
        } catch (ConfigException | IllegalStateException e) {
            System.err.println("chatd: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        server.shutdownOnSignals();
        LOG.info("chatd listening on port " + server.port() + (file == null ? " (built-in defaults)" : " (config " + file + ")"));
    }

    static Path configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--config needs a file");
                }
                Path path = Path.of(args[i + 1]);
                if (!Files.isReadable(path)) {
                    throw new IllegalArgumentException("config file " + path + " does not exist or cannot be read");
                }
                return path;
            }
            if (args[i].startsWith("--config=")) {
                return configFile(new String[] {"--config", args[i].substring("--config=".length())});
            }
            throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
        }
        Path local = Path.of("chatd.yaml");
        return Files.isReadable(local) ? local : null;
    }

    /** The file (if any) under system properties and environment variables, which win. */
    static Config load(Path file) {
        Config.Builder builder = Config.builder();
        if (file != null) {
            builder.addSource(ConfigSources.file(file));
        }
        return builder.build();
    }
}
