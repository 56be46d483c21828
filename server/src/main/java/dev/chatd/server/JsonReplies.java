package dev.chatd.server;

import java.util.Map;

/** Small JSON replies, written by Helidon's JSON-B media support (records must be public for it). */
public final class JsonReplies {
    private JsonReplies() {}

    /** {@code GET /health}. */
    public record Health(String status) {}

    /** {@code GET /chat/providers}: each registered provider and whether it is available now. */
    public record Providers(Map<String, Boolean> providers) {}
}
