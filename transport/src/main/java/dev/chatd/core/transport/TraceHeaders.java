package dev.chatd.core.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The W3C trace-context headers of the inbound call the current thread works for, which
 * {@link HelidonTransport} adds to every upstream request that thread makes. Providers never
 * see inbound headers; the host binds these around the provider call, and re-binds them on any
 * thread it hands that call to (a stream opened on a thread of its own).
 *
 * <p>A thread-local rather than a field of {@link dev.chatd.api.spi.Transport.Call}: the
 * providers build the calls, and none of them should need to carry the host's tracing through.
 * (A {@code ScopedValue} would fit better, but it is a preview API on JDK 21.)
 *
 * @param traceparent the {@code traceparent} header to send, already validated by the host
 * @param tracestate the {@code tracestate} header to send, or null for none
 */
public record TraceHeaders(String traceparent, String tracestate) {
    private static final ThreadLocal<TraceHeaders> CURRENT = new ThreadLocal<>();

    /** Restores what was bound before; closing it twice is harmless. */
    @FunctionalInterface
    public interface Binding extends AutoCloseable {
        @Override
        void close();
    }

    /** The headers bound to this thread, or null. */
    public static TraceHeaders current() {
        return CURRENT.get();
    }

    /** Binds {@code headers} (null unbinds) to this thread until the binding is closed. */
    public static Binding bind(TraceHeaders headers) {
        TraceHeaders previous = CURRENT.get();
        if (headers == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(headers);
        }
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /**
     * {@code headers} with these trace headers added; a {@code traceparent} the call already has
     * (a provider's configured header) is left as it is.
     */
    List<Map.Entry<String, String>> addTo(List<Map.Entry<String, String>> headers) {
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase("traceparent")) {
                return headers;
            }
        }
        List<Map.Entry<String, String>> all = new ArrayList<>(headers.size() + 2);
        all.addAll(headers);
        all.add(Map.entry("traceparent", traceparent));
        if (tracestate != null) {
            all.add(Map.entry("tracestate", tracestate));
        }
        return all;
    }
}
