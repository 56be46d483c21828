package dev.chatd.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The assignments of a {@code .env}-style file: {@code NAME=value} lines, an optional
 * {@code export } in front, values optionally in single or double quotes, {@code #} comments
 * and blank lines. A file that holds one bare token and nothing else (a Docker or Kubernetes
 * secret file) is kept as {@link #bareToken()}.
 */
public record DotEnvFile(Map<String, String> assignments, String bareToken) {

    public static DotEnvFile parse(String text) {
        Map<String, String> assignments = new LinkedHashMap<>();
        List<String> others = new ArrayList<>();
        String lastLine = null;
        for (String raw : text.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            lastLine = line;
            int eq = line.indexOf('=');
            if (eq > 0 && isName(line.substring(0, eq).strip())) {
                assignments.put(
                        line.substring(0, eq).strip(),
                        value(line.substring(eq + 1).strip()));
            } else {
                others.add(line);
            }
        }
        String bare = null;
        if (assignments.isEmpty() && others.size() == 1 && !others.get(0).contains(" ")) {
            bare = others.get(0);
        } else if (others.isEmpty() && assignments.size() == 1 && isPaddedToken(lastLine)) {
            // A lone base64 token such as "c2VjcmV0==" parses as NAME=...; it is the token itself.
            bare = lastLine;
            assignments.clear();
        }
        return new DotEnvFile(Map.copyOf(assignments), bare);
    }

    private static boolean isName(String name) {
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** "c2VjcmV0==" is a padded token; "OLLAMA_API_KEY=" and "OLLAMA_API_KEY=\"\"" are empty assignments. */
    private static boolean isPaddedToken(String line) {
        int eq = line.indexOf('=');
        String rest = line.substring(eq + 1);
        return rest.matches("=+")
                || (rest.isEmpty() && !line.substring(0, eq).strip().matches("[A-Z][A-Z0-9_]*"));
    }

    private static String value(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            return v.substring(1, v.length() - 1);
        }
        // A quoted value may be followed by a comment: KEY="value" # note
        int close = v.isEmpty() || (v.charAt(0) != '"' && v.charAt(0) != '\'') ? -1 : v.indexOf(v.charAt(0), 1);
        if (close > 0 && v.substring(close + 1).strip().startsWith("#")) {
            return v.substring(1, close);
        }
        // An unquoted value ends at an inline comment.
        int hash = v.indexOf(" #");
        return (hash >= 0 ? v.substring(0, hash) : v).strip();
    }

    /** The one assignment of a file that has exactly one, whatever its name. */
    public String onlyAssignment() {
        return assignments.size() == 1 ? assignments.values().iterator().next() : null;
    }
}
