package dev.chatd.server;

import java.util.Locale;

/** How the access log writes its lines ({@code chatd.log.format}). */
public enum LogFormat {
    /** logfmt, {@code access key=value ...}: the default. */
    TEXT,
    /** One JSON object per line, with its own {@code time}, for log shippers. */
    JSON;

    /** The format a config value names; null when it names none. */
    static LogFormat named(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> null;
        };
    }
}
