package dev.chatd.core;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** How far apart two names are as typos go, for the "did you mean" hints chatd gives. */
public final class NearestName {
    private NearestName() {}

    /**
     * The optimal string alignment distance: insertions, deletions, substitutions and swaps of two
     * neighbouring letters, one edit each ({@code openruoter} is one edit from {@code openrouter}).
     */
    public static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /**
     * The name among {@code names} nearest to {@code typed}, ignoring case, when it is at most
     * {@code allowed} edits away; of two as near, the first. {@code typed} itself is no answer.
     */
    public static Optional<String> among(String typed, Collection<String> names, int allowed) {
        String lower = typed.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = allowed + 1;
        for (String name : names) {
            if (name.equals(typed)) {
                continue;
            }
            int distance = distance(lower, name.toLowerCase(Locale.ROOT));
            if (distance < bestDistance) {
                best = name;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }
}
