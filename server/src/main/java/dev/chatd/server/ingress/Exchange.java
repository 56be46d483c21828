package dev.chatd.server.ingress;

import java.time.Instant;

/**
 * What the handler knows of one call when it encodes the reply.
 *
 * @param requestId chatd's request id, also the tail of reply ids
 * @param model the model as the client named it (with chatd's provider prefix, if any)
 * @param provider the name of the provider the request was routed to
 * @param received when the request was received, for {@code created} stamps
 * @param startedNanos {@link System#nanoTime()} when the request was received, for durations
 */
public record Exchange(String requestId, String model, String provider, Instant received, long startedNanos) {
    /** Nanoseconds since the request was received. */
    public long elapsedNanos() {
        return System.nanoTime() - startedNanos;
    }
}
