package dev.chatd.server;

import dev.chatd.core.NearestName;
import io.helidon.config.Config;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What chatd does with its schema ({@link ChatdConfig#KEYS}, {@link ChatdConfig#PROVIDER_KEYS},
 * {@link ChatdConfig#SERVER_KEYS}): it warns about keys it does not know, naming the closest
 * known one, and maps environment variables onto the keys it knows.
 *
 * <p>Hand-written because Helidon cannot do either: its Config has no schema to check against,
 * and its environment-variable mapping reads {@code _} as {@code .}, so
 * {@code CHATD_TIMEOUT_SECS} lands on {@code chatd.timeout.secs}, which nothing reads.
 */
final class KnownKeys {

    private KnownKeys() {}

    /**
     * The settings found in the environment.
     *
     * @param values config key to value, for a config source
     * @param variables config key to the variable that set it, for the start-up log (never values:
     *     a header may hold a secret)
     * @param warnings a variable that looks like a misspelt setting
     */
    record FromEnvironment(Map<String, String> values, Map<String, String> variables, List<String> warnings) {}

    /**
     * Reads every variable that names a known key: the key upper-cased with {@code .} and
     * {@code -} as {@code _} ({@code CHATD_TIMEOUT_SECS}, {@code SERVER_PORT},
     * {@code CHATD_PROVIDERS_OLLAMA_CLOUD_KEY_ENV}). Matching whole names against the schema is
     * what makes underscores inside names ({@code ollama_cloud}) unambiguous. A provider's headers
     * come from {@code CHATD_PROVIDERS_<NAME>_HEADERS_<HEADER>}, the header name lower-cased with
     * {@code _} as {@code -}.
     *
     * @param providers every provider name (discovered or configured) with its own extra keys
     */
    static FromEnvironment fromEnvironment(Map<String, String> environment, Map<String, Set<String>> providers) {
        Map<String, String> keyByVariable = new HashMap<>();
        ChatdConfig.KEYS.stream()
                .filter(key -> !ChatdConfig.LIST_KEYS.contains(key))
                .forEach(key -> keyByVariable.put(variable("chatd." + key), "chatd." + key));
        ChatdConfig.SERVER_KEYS.forEach(key -> keyByVariable.put(variable("server." + key), "server." + key));
        providers.forEach((name, own) -> providerKeys(own)
                .forEach(key ->
                        keyByVariable.putIfAbsent(variable(providerPrefix(name) + key), providerPrefix(name) + key)));
        // Longest first, so that ollama_cloud's headers are not taken for ollama's.
        List<String> names = new ArrayList<>(providers.keySet());
        names.sort(Comparator.comparingInt(String::length).reversed());

        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> variables = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, String> entry : new TreeMap<>(environment).entrySet()) {
            String variable = entry.getKey().toUpperCase(Locale.ROOT);
            String key = keyByVariable.get(variable);
            if (key == null) {
                key = header(variable, names);
            }
            if (key != null) {
                values.put(key, entry.getValue());
                variables.put(key, entry.getKey());
            } else if (variable.startsWith("CHATD_")) {
                closest(variable, keyByVariable.keySet())
                        .ifPresent(near -> warnings.add("environment variable " + entry.getKey()
                                + " sets nothing; did you mean " + near + "?"));
            }
        }
        return new FromEnvironment(values, variables, warnings);
    }

    private static String header(String variable, List<String> providers) {
        for (String name : providers) {
            String prefix = variable(providerPrefix(name) + ChatdConfig.PROVIDER_HEADERS) + "_";
            if (variable.startsWith(prefix) && variable.length() > prefix.length()) {
                return providerPrefix(name) + ChatdConfig.PROVIDER_HEADERS + "."
                        + variable.substring(prefix.length())
                                .toLowerCase(Locale.ROOT)
                                .replace('_', '-');
            }
        }
        return null;
    }

    /**
     * One line per key under {@code chatd.} that chatd does not read, with the closest known key
     * when there is one near enough: {@code unknown key chatd.timeout-sec; did you mean timeout-secs?}.
     *
     * @param providers every provider name with its own extra keys; a provider node's other keys
     *     are checked against the keys every provider takes
     */
    static List<String> unknownKeys(Config root, Map<String, Set<String>> providers) {
        Set<String> warnings = new LinkedHashSet<>();
        root.get("chatd").traverse().filter(Config::isLeaf).forEach(node -> {
            String relative = node.key().toString().substring("chatd.".length());
            // An element of a list is reported as the list.
            relative = relative.replaceAll("(\\.\\d+)+$", "");
            if (relative.startsWith("providers.")) {
                String[] parts = relative.split("\\.", 3);
                if (parts.length == 3
                        && !parts[2].equals(ChatdConfig.PROVIDER_HEADERS)
                        && !parts[2].startsWith(ChatdConfig.PROVIDER_HEADERS + ".")) {
                    String name = parts[1];
                    check(providerPrefix(name), parts[2], providerKeys(providers.getOrDefault(name, Set.of())))
                            .ifPresent(warnings::add);
                }
            } else if (relative.matches("auth\\.tokens\\.\\d+\\..+")) {
                // An entry of the named tokens' list: its keys are the entry's own.
                String[] parts = relative.split("\\.", 4);
                check("chatd.auth.tokens." + parts[2] + ".", parts[3], ChatdConfig.TOKEN_KEYS)
                        .ifPresent(warnings::add);
            } else if (!relative.equals("providers")) {
                check("chatd.", relative, ChatdConfig.KEYS).ifPresent(warnings::add);
            }
        });
        return List.copyOf(warnings);
    }

    private static Optional<String> check(String prefix, String key, Collection<String> known) {
        // A list or section under a known key is that key's (wrong) value: its reader says so.
        if (known.contains(key) || known.stream().anyMatch(k -> key.startsWith(k + "."))) {
            return Optional.empty();
        }
        return Optional.of(closest(key, known)
                .map(near -> "unknown key " + prefix + key + "; did you mean " + near + "?")
                .orElse("unknown key " + prefix + key
                        + " is ignored; chatd.example.yaml and the README list every key"));
    }

    /**
     * The known key nearest to {@code key}, when it is near enough to be a typo: the same after
     * treating {@code _} as {@code -} and ignoring case, or a few edits away (optimal string
     * alignment distance: a swap of two letters is one edit), fewer for short keys.
     */
    static Optional<String> closest(String key, Collection<String> known) {
        String normal = normal(key);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int distance = NearestName.distance(normal, normal(candidate));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        int allowed = key.length() <= 4 ? 1 : key.length() <= 8 ? 2 : 3;
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    private static String normal(String key) {
        return key.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static Set<String> providerKeys(Set<String> own) {
        Set<String> keys = new LinkedHashSet<>(ChatdConfig.PROVIDER_KEYS);
        keys.addAll(own);
        return keys;
    }

    private static String providerPrefix(String name) {
        return "chatd.providers." + name + ".";
    }

    /** The environment variable for a config key: {@code chatd.timeout-secs} is {@code CHATD_TIMEOUT_SECS}. */
    static String variable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
