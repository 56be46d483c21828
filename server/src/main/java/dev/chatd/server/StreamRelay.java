package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import dev.chatd.api.Usage;
import dev.chatd.core.transport.Deadlines;
import dev.chatd.server.ingress.ApiError;
import dev.chatd.server.ingress.StreamEncoder;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves a provider's stream to a client, chunk by chunk, in whatever format the ingress speaks.
 * A failure of the upstream mid-stream is handed to the ingress's encoder to tell the client; a client
 * that went away ends the relay and, through the writer, cancels the upstream call; a shutdown
 * past its grace cancels the upstream call and ends the stream with the encoder's error.
 */
final class StreamRelay {
    private static final Logger LOG = Logger.getLogger(StreamRelay.class.getName());
    static final String CLIENT_GONE = "client went away";
    static final String SHUT_DOWN = "ended by shutdown";

    private StreamRelay() {}

    /**
     * How a relay ended, for the access log.
     *
     * @param result the finish reason, {@value #CLIENT_GONE}, {@value #SHUT_DOWN} or an error type
     * @param detail the error's message; null unless it failed
     * @param usage the tokens the upstream reported; null if it did not
     */
    record Outcome(int chunks, String result, String detail, Usage usage) {}

    /** The upstream side of one relay: its stream once open, and the way to cancel it. */
    private static final class Upstream {
        private volatile ChatStream stream;

        static Upstream of(ChatStream stream) {
            Upstream upstream = new Upstream();
            upstream.stream = stream;
            return upstream;
        }

        void cancel() {
            ChatStream s = stream;
            if (s != null) {
                s.close();
            }
        }
    }

    /**
     * An SSE stream being opened on the request's own thread (no thread hand-off before the
     * first token). A shared timer commits the 200 and a keep-alive only if the opening
     * outlasts one keep-alive interval; a shutdown or a client gone meanwhile interrupts the
     * opening thread, which gives up its upstream call. Once open, cancelling closes the stream.
     */
    private static final class Opening {
        private enum State {
            OPENING,
            SLOW,
            OPEN
        }

        private final ServerResponse res;
        private final Duration keepAlive;
        private final StreamEncoder encoder;
        private Thread opener;
        private State state = State.OPENING;
        private EventWriter writer; // once SLOW
        private ChatStream stream; // once OPEN
        private boolean cancelled;

        Opening(ServerResponse res, Duration keepAlive, StreamEncoder encoder) {
            this.res = res;
            this.keepAlive = keepAlive;
            this.encoder = encoder;
            this.opener = Thread.currentThread();
        }

        /** On the timer: the upstream is slow, so the client gets its 200 and a keep-alive now. */
        void commitIfSlow() {
            synchronized (this) {
                if (state != State.OPENING) {
                    return;
                }
                writer = EventWriter.sse(res, keepAlive, encoder.keepAlive(), this::cancel);
                state = State.SLOW;
                try {
                    writer.keepAliveNow();
                    return;
                } catch (EventWriter.ClientGone e) {
                    // the client left while the upstream got ready: give the opening up
                }
            }
            cancel();
        }

        /** A shutdown or a client gone: interrupts an opening, closes an open stream. */
        void cancel() {
            ChatStream open;
            synchronized (this) {
                if (state != State.OPEN) {
                    if (!cancelled && opener != null) {
                        cancelled = true;
                        opener.interrupt(); // a virtual thread interrupted in a socket read closes that socket
                    }
                    return;
                }
                open = stream;
            }
            if (open != null) {
                open.close();
            }
        }

        /** The opening ended (with a stream, or null when it failed): the writer, if the 200 went out already. */
        synchronized EventWriter opened(ChatStream s) {
            state = State.OPEN;
            stream = s;
            opener = null;
            if (cancelled) {
                Thread.interrupted(); // the cancel's interrupt, consumed here: it ended the opening
            }
            return writer;
        }

        synchronized boolean cancelled() {
            return cancelled;
        }
    }

    /**
     * Opens the provider's stream and relays it as server-sent events. An upstream that
     * accepts the call within one keep-alive interval gets the usual treatment: a failure
     * before that is an ordinary HTTP error (thrown from here). An upstream that is slower (a
     * local model loading) does not leave the client in silence: the 200 goes out with a
     * keep-alive ({@link StreamEncoder#keepAlive()}), keep-alives follow, and a later failure is an
     * error event.
     *
     * @param opened run on this thread once the stream opened within the keep-alive interval,
     *     before the response starts: the last moment to set headers (not run for a slower upstream,
     *     whose 200 went out before it answered)
     */
    static Outcome relaySse(
            ServerRequest req,
            ServerResponse res,
            Duration keepAlive,
            Supplier<ChatStream> open,
            StreamEncoder encoder,
            Runnable opened) {
        Opening opening = new Opening(res, keepAlive, encoder);
        InFlightRequests.Request inFlight = InFlightRequests.of(req);
        if (inFlight != null) {
            inFlight.onShutdown(opening::cancel);
        }
        ScheduledFuture<?> slow = Deadlines.after(keepAlive, opening::commitIfSlow);
        ChatStream stream;
        try {
            stream = open.get();
        } catch (RuntimeException failure) {
            slow.cancel(false);
            EventWriter sse = opening.opened(null);
            if (sse == null) {
                if (opening.cancelled()) { // only a shutdown cancels before the response started
                    HttpSupport.send(req, res, shutdownError(inFlight));
                    return new Outcome(0, SHUT_DOWN, null, null);
                }
                throw failure;
            }
            try (sse) {
                if (sse.isBroken()) {
                    return new Outcome(0, CLIENT_GONE, null, null);
                }
                if (opening.cancelled()) {
                    return ended(sse, encoder, inFlight, 0, null);
                }
                return failed(sse, encoder, HttpSupport.requestId(req), failure, 0, null);
            }
        }
        slow.cancel(false);
        EventWriter committed = opening.opened(stream);
        try (ChatStream relayed = stream) {
            if (opening.cancelled()) { // the upstream answered just as the opening was given up
                if (committed == null) {
                    HttpSupport.send(req, res, shutdownError(inFlight));
                    return new Outcome(0, SHUT_DOWN, null, null);
                }
                try (EventWriter sse = committed) {
                    return sse.isBroken()
                            ? new Outcome(0, CLIENT_GONE, null, null)
                            : ended(sse, encoder, inFlight, 0, null);
                }
            }
            EventWriter sse = committed;
            if (sse == null) {
                opened.run();
                sse = EventWriter.sse(res, keepAlive, encoder.keepAlive(), opening::cancel);
            }
            try (EventWriter out = sse) {
                encoder.open(out);
                return run(relayed, out, encoder, inFlight, HttpSupport.requestId(req), AccessLog.of(req));
            }
        } catch (EventWriter.ClientGone e) {
            return new Outcome(0, CLIENT_GONE, null, null);
        }
    }

    /** Relays an open stream as NDJSON lines (Ollama's framing). */
    static Outcome relayNdjson(ServerRequest req, ServerResponse res, ChatStream stream, StreamEncoder encoder) {
        Upstream upstream = Upstream.of(stream);
        InFlightRequests.Request inFlight = InFlightRequests.of(req);
        if (inFlight != null) {
            inFlight.onShutdown(upstream::cancel);
        }
        try (stream;
                EventWriter out = EventWriter.ndjson(res, upstream::cancel)) {
            encoder.open(out);
            return run(stream, out, encoder, inFlight, HttpSupport.requestId(req), AccessLog.of(req));
        } catch (EventWriter.ClientGone e) {
            return new Outcome(0, CLIENT_GONE, null, null);
        }
    }

    /**
     * Relays every chunk; the stream ends with exactly one last event, the final chunk or an
     * error. A stream that ends without its final chunk is an upstream failure too, so a probe
     * is always followed by a line.
     */
    private static Outcome run(
            ChatStream stream,
            EventWriter out,
            StreamEncoder encoder,
            InFlightRequests.Request inFlight,
            String requestId,
            AccessLog.Entry log) {
        int chunks = 0;
        Usage usage = null;
        String finish = null;
        Throwable failure;
        try {
            while (stream.hasNext()) {
                ChatChunk chunk = stream.next();
                if (chunks == 0) {
                    log.firstChunk();
                }
                encoder.chunk(out, chunk);
                chunks++;
                if (chunk.usage() != null) {
                    usage = chunk.usage();
                }
                if (chunk.isFinal()) {
                    finish = chunk.finishReason().wire();
                    out.complete();
                }
            }
            // Reading on to the end of the body lets the upstream connection be reused.
            if (finish != null) {
                return new Outcome(chunks, finish, null, usage);
            }
            failure = new ChatException.UpstreamFailure("the upstream ended the stream without its final chunk");
        } catch (EventWriter.ClientGone e) {
            return new Outcome(chunks, CLIENT_GONE, null, usage);
        } catch (RuntimeException e) {
            if (finish != null) {
                return new Outcome(chunks, finish, null, usage); // the client has the whole answer
            }
            failure = e;
        }
        if (out.isBroken()) {
            return new Outcome(chunks, CLIENT_GONE, null, usage);
        }
        if (inFlight != null && inFlight.endedError() != null) {
            return ended(out, encoder, inFlight, chunks, usage);
        }
        return failed(out, encoder, requestId, failure, chunks, usage);
    }

    private static Outcome ended(
            EventWriter out, StreamEncoder encoder, InFlightRequests.Request inFlight, int chunks, Usage usage) {
        try {
            encoder.error(out, shutdownError(inFlight));
            out.complete();
            return new Outcome(chunks, SHUT_DOWN, null, usage);
        } catch (EventWriter.ClientGone e) {
            return new Outcome(chunks, CLIENT_GONE, null, usage);
        }
    }

    private static Outcome failed(
            EventWriter out, StreamEncoder encoder, String requestId, Throwable failure, int chunks, Usage usage) {
        ApiError error;
        if (failure instanceof ChatException e) {
            error = ApiError.of(e);
        } else {
            LOG.log(Level.SEVERE, "request id=" + requestId + " stream failed unexpectedly", failure);
            error = ApiError.internal(requestId);
        }
        try {
            encoder.error(out, error);
            out.complete();
            return new Outcome(chunks, error.type(), failure.getMessage(), usage);
        } catch (EventWriter.ClientGone e) {
            return new Outcome(chunks, CLIENT_GONE, null, usage);
        }
    }

    private static ApiError shutdownError(InFlightRequests.Request inFlight) {
        return inFlight != null && inFlight.endedError() != null ? inFlight.endedError() : InFlightRequests.REFUSED;
    }
}
