package dev.chatd.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models chatd has served lately, for Ollama's {@code /api/ps}: chatd loads no model, but an
 * Ollama server keeps a model it served listed for its keep-alive (5 minutes by default), and
 * front ends read that list as "in use". Bounded: the least recently used name goes first, so a
 * client sending many names costs a few hundred entries at most.
 */
final class RecentModels {
    /** Ollama's default keep-alive: how long a served model stays listed. */
    static final Duration KEEP = Duration.ofMinutes(5);

    static final int MAX = 256;

    /** A model and when it was last served. */
    record Used(String model, Instant lastUsed) {
        Instant expiresAt() {
            return lastUsed.plus(KEEP);
        }
    }

    private final Clock clock;
    // Access order: a model served again moves to the end, and the eldest goes once there are MAX.
    private final LinkedHashMap<String, Instant> lastUse = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > MAX;
        }
    };

    RecentModels() {
        this(Clock.systemUTC());
    }

    RecentModels(Clock clock) {
        this.clock = clock;
    }

    /** Notes that chatd served {@code model} (as the client named it) now. */
    synchronized void served(String model) {
        lastUse.put(model, clock.instant());
    }

    /** The models served within {@link #KEEP}, the most recent first. */
    synchronized List<Used> current() {
        Instant cutoff = clock.instant().minus(KEEP);
        List<Used> current = new ArrayList<>();
        lastUse.entrySet().removeIf(e -> !e.getValue().isAfter(cutoff));
        lastUse.forEach((model, at) -> current.add(new Used(model, at)));
        return current.reversed();
    }
}
