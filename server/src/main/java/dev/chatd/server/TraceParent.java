package dev.chatd.server;

import dev.chatd.core.transport.TraceHeaders;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A request's W3C trace context (<a href="https://www.w3.org/TR/trace-context/">Trace Context</a>):
 * the client's trace id when it sent a valid {@code traceparent}, else a new random one, and a new
 * span id for chatd's hop, which becomes the parent id of every upstream request of the call.
 *
 * @param traceId 32 lowercase hex digits, not all zero
 * @param spanId chatd's span: 16 lowercase hex digits, not all zero
 * @param flags the client's trace flags (2 hex digits); {@code 00} for a trace chatd started,
 *     since chatd records no spans for a tracing backend to sample
 * @param tracestate the client's {@code tracestate}, forwarded as it is when it is sane; else null
 */
record TraceParent(String traceId, String spanId, String flags, String tracestate) {
    private static final HexFormat HEX = HexFormat.of();
    /** The W3C limit a vendor must propagate at least; longer ones are dropped, not cut. */
    private static final int MAX_TRACESTATE = 512;

    /** The context for a request with these headers (either may be null). */
    static TraceParent of(String traceparent, String tracestate) {
        TraceParent client = parse(traceparent);
        if (client == null) {
            return new TraceParent(randomHex(16), randomHex(8), "00", null);
        }
        return new TraceParent(client.traceId, randomHex(8), client.flags, sane(tracestate));
    }

    /**
     * A valid {@code traceparent} as W3C defines it: {@code version-traceid-parentid-flags} in
     * lowercase hex, version not {@code ff}, ids not all zero; version {@code 00} exactly 55
     * characters, a later version at least that and, past it, a {@code -}. Else null.
     */
    static TraceParent parse(String header) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        if (value.length() < 55 || (value.length() > 55 && value.charAt(55) != '-')) {
            return null;
        }
        String version = value.substring(0, 2);
        if (!hex(version) || version.equals("ff") || (version.equals("00") && value.length() != 55)) {
            return null;
        }
        if (value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return null;
        }
        String traceId = value.substring(3, 35);
        String parentId = value.substring(36, 52);
        String flags = value.substring(53, 55);
        if (!hex(traceId) || !hex(parentId) || !hex(flags) || zero(traceId) || zero(parentId)) {
            return null;
        }
        return new TraceParent(traceId, parentId, flags, null);
    }

    /** The {@code traceparent} for chatd's upstream requests: version 00, chatd's span as parent. */
    String header() {
        return "00-" + traceId + "-" + spanId + "-" + flags;
    }

    /** The headers the transport adds to the call's upstream requests. */
    TraceHeaders upstreamHeaders() {
        return new TraceHeaders(header(), tracestate);
    }

    private static String sane(String tracestate) {
        if (tracestate == null || tracestate.isBlank() || tracestate.length() > MAX_TRACESTATE) {
            return null;
        }
        for (int i = 0; i < tracestate.length(); i++) {
            char c = tracestate.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return null; // a control character would inject a header upstream
            }
        }
        return tracestate.strip();
    }

    private static boolean hex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean zero(String s) {
        return s.chars().allMatch(c -> c == '0');
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        do {
            ThreadLocalRandom.current().nextBytes(random);
        } while (zero(HEX.formatHex(random)));
        return HEX.formatHex(random);
    }
}
