package dev.chatd.server;

import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderDiscovery;
import dev.chatd.core.transport.HelidonTransport;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import io.helidon.config.spi.ConfigSource;
import io.helidon.logging.common.LogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Starts chatd: {@code java -jar chatd.jar [--config chatd.yaml]}. Without {@code --config}
 * it reads {@code chatd.yaml} from the working directory when there is one. System properties
 * win over environment variables, which win over the file; environment variables are named
 * after chatd's own keys ({@link KnownKeys#fromEnvironment}).
 *
 * <p>Anything that stops start-up is one line on standard error and a non-zero exit: a
 * supervisor must not read a failed start as a clean stop.
 */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    static final String USAGE = """
            usage: chatd [--config <file.yaml>]    (java -jar chatd.jar takes the same arguments)
                   chatd --help | --version
            """;

    static final String HELP = USAGE + """

            chatd is one HTTP endpoint in front of many LLM providers.

              --config <file>  the YAML configuration; without it chatd reads ./chatd.yaml when
                               there is one, else runs on built-in defaults: it listens on
                               127.0.0.1:8080 and talks to a local Ollama
              --help           print this and exit
              --version        print chatd's version and exit

            Every key can also be set as a system property (-Dchatd.timeout-secs=60) or as an
            environment variable named after it: CHATD_TIMEOUT_SECS=60, SERVER_PORT=9090,
            SERVER_HOST=0.0.0.0, CHATD_PROVIDERS_OLLAMA_BASE_URL=http://gpu-box:11434. System
            properties win over the environment, which wins over the file. Provider keys come
            from OLLAMA_API_KEY, OPENROUTER_API_KEY, OPENCODE_API_KEY and KIMI_API_KEY (or key
            files); CHATD_AUTH_TOKEN turns on inbound auth.

            Configuration reference: the "Configuration" section of README.md, and
            chatd.example.yaml (every key with its default), at the top of chatd's source tree.
            """;

    private static final Pattern HELIDON_MAPPING =
            Pattern.compile("Mapping of value '(.*?)' stored under key '([^']*)'(?: to type '([^']*)')?");

    private Main() {}

    public static void main(String[] args) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.print("chatd: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        if (arguments.help()) {
            System.out.print(HELP);
            return;
        }
        if (arguments.version()) {
            System.out.println(version());
            return;
        }
        HelidonTransport.warmUpInBackground();
        LogConfig.configureRuntime();
        ChatdConfig config;
        ChatdServer server;
        try {
            ClassLoader loader = Main.class.getClassLoader();
            // The plugins directory is read first: its providers' names take part in reading the rest.
            Path pluginsDir = ChatdConfig.pluginsDir(
                    load(arguments.config(), System.getenv(), ProviderDiscovery.discover(loader))
                            .config(),
                    jarDir());
            List<ChatProviderFactory> factories = ProviderDiscovery.discover(loader, pluginsDir);
            Loaded loaded = load(arguments.config(), System.getenv(), factories);
            LOG.info(loaded.describe(arguments.config()));
            for (String warning : loaded.warnings()) {
                LOG.warning(warning);
            }
            KeyResolver keys = new KeyResolver(System::getenv);
            config = ChatdConfig.from(loaded.config(), keys);
            server = ChatdServer.start(config, factories, keys);
        } catch (ConfigException | IllegalStateException e) {
            System.err.println("chatd: cannot start: " + oneLine(e));
            System.exit(1);
            return;
        }
        server.shutdownOnSignals();
        LOG.info("chatd listening on port " + server.port() + " at " + config.host()
                + (arguments.config() == null ? " (built-in defaults)" : " (config " + arguments.config() + ")"));
        try {
            server.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The command line: {@code --config <file>} (or {@code --config=<file>}), {@code --help}, {@code --version}. */
    record Arguments(Path config, boolean help, boolean version) {

        static Arguments parse(String[] args) {
            Path config = null;
            boolean help = false;
            boolean version = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--help") || arg.equals("-h")) {
                    help = true;
                } else if (arg.equals("--version")) {
                    version = true;
                } else if (arg.equals("--config") || arg.startsWith("--config=")) {
                    String value = arg.equals("--config")
                            ? (++i < args.length ? args[i] : "")
                            : arg.substring("--config=".length());
                    if (value.isEmpty()) {
                        throw new IllegalArgumentException("--config needs a file");
                    }
                    config = Path.of(value);
                } else {
                    throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
            }
            if (help || version) {
                return new Arguments(config, help, version);
            }
            if (config != null && !Files.isReadable(config)) {
                throw new IllegalArgumentException("config file " + config + " does not exist or cannot be read");
            }
            Path local = Path.of("chatd.yaml");
            return new Arguments(config != null ? config : Files.isReadable(local) ? local : null, false, false);
        }
    }

    /** The folder of the JAR chatd runs from, or null when it runs from class folders (tests, IDEs). */
    static Path jarDir() {
        try {
            Path location = Path.of(Main.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return Files.isRegularFile(location) ? location.toAbsolutePath().getParent() : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** chatd's version from its JAR's manifest (the build writes it), and the Java it runs on. */
    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return "chatd " + (version != null ? version : "(version unknown: not run from its JAR)") + " (Java "
                + Runtime.version() + ", " + System.getProperty("java.home") + ")";
    }

    /**
     * The configuration and what the start-up log says about it.
     *
     * @param warnings unknown keys and misspelt variables
     */
    record Loaded(Config config, KnownKeys.FromEnvironment environment, List<String> warnings) {

        String describe(Path file) {
            String from = environment.variables().isEmpty()
                    ? ""
                    : "; from the environment: "
                            + environment.variables().entrySet().stream()
                                    .map(e -> e.getKey() + " (" + e.getValue() + ")")
                                    .collect(Collectors.joining(", "));
            return "configuration: " + (file == null ? "built-in defaults" : file) + from;
        }
    }

    /**
     * System properties, then the variables that name chatd's keys, then the file (if any).
     * Helidon's own environment source is off: it reads {@code CHATD_TIMEOUT_SECS} as
     * {@code chatd.timeout.secs}.
     */
    static Loaded load(Path file, Map<String, String> environment, List<ChatProviderFactory> factories) {
        Map<String, Set<String>> providers = new TreeMap<>();
        for (ChatProviderFactory factory : factories) {
            providers.put(factory.name(), ProviderDiscovery.settingKeys(factory));
        }
        // A provider node named only in the file (or a system property) takes variables too.
        build(file, Map.of())
                .get("chatd.providers")
                .asNodeList()
                .orElse(List.of())
                .forEach(node -> providers.putIfAbsent(node.name(), Set.of()));
        KnownKeys.FromEnvironment fromEnvironment = KnownKeys.fromEnvironment(environment, providers);
        Config config = build(file, fromEnvironment.values());
        List<String> warnings = new ArrayList<>(fromEnvironment.warnings());
        warnings.addAll(KnownKeys.unknownKeys(config, providers));
        return new Loaded(config, fromEnvironment, warnings);
    }

    private static Config build(Path file, Map<String, String> fromEnvironment) {
        List<Supplier<? extends ConfigSource>> sources = new ArrayList<>();
        sources.add(ConfigSources.create(fromEnvironment).name("environment variables"));
        if (file != null) {
            sources.add(ConfigSources.file(file).mediaType(MediaTypes.APPLICATION_X_YAML));
        }
        try {
            return Config.builder()
                    .disableEnvironmentVariablesSource()
                    .sources(sources)
                    .build();
        } catch (ConfigException e) {
            throw new ConfigException(unreadable(file, e));
        }
    }

    /** A YAML error as the file, line, column and problem, in one line. */
    static String unreadable(Path file, Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
                return "cannot read " + file + ": line "
                        + (yaml.getProblemMark().getLine() + 1) + ", column "
                        + (yaml.getProblemMark().getColumn() + 1) + ": " + yaml.getProblem()
                        + (yaml.getContext() != null ? " (" + yaml.getContext() + ")" : "");
            }
        }
        return "cannot read " + file + ": " + e.getMessage();
    }

    /**
     * The failure in one line. Helidon's own mapping failures (for keys of the {@code server}
     * node that chatd hands over as they are) name an internal mapper; they are rewritten to the
     * key, the value and what was expected.
     */
    static String oneLine(RuntimeException e) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        Matcher helidon = HELIDON_MAPPING.matcher(message);
        if (helidon.find()) {
            String expected =
                    helidon.group(3) != null ? "a value of type " + helidon.group(3) : "a value of another kind";
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof NumberFormatException) {
                    expected = "a number";
                }
            }
            message = helidon.group(2) + " = '" + helidon.group(1) + "': expected " + expected;
        }
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
