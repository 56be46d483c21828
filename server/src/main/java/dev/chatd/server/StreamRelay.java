package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import dev.chatd.api.Usage;
import dev.chatd.core.transport.TraceHeaders;
import dev.chatd.core.transport.UpstreamWait;
import dev.chatd.server.ingress.ApiError;
import dev.chatd.server.ingress.StreamEncoder;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    /** The upstream side of one relay: its stream once open, and the ways to cancel it. */
    private static final class Upstream {
        final CompletableFuture<ChatStream> opening = new CompletableFuture<>();
        private volatile ChatStream stream;

        /** Opens the stream on a virtual thread of its own, so the relay can wait with a deadline. */
        static Upstream open(Supplier<ChatStream> open) {
            Upstream upstream = new Upstream();
            // The request's trace context and upstream wait are this thread's; the upstream
            // request is made on the new one.
            TraceHeaders trace = TraceHeaders.current();
            UpstreamWait wait = UpstreamWait.current();
            Thread.ofVirtual().name("chatd-open-stream").start(() -> {
                TraceHeaders.bind(trace); // for this thread's life: it ends with the opening
                try {
                    ChatStream s = wait == null ? open.get() : wait.during(open);
                    upstream.stream = s;
                    if (!upstream.opening.complete(s)) {
                        s.close(); // nobody is waiting any more
                    }
                } catch (Throwable failure) {
                    upstream.opening.completeExceptionally(failure);
                }
            });
            return upstream;
        }

        static Upstream of(ChatStream stream) {
            Upstream upstream = new Upstream();
            upstream.stream = stream;
            upstream.opening.complete(stream);
            return upstream;
        }

        void cancel() {
            opening.cancel(false);
            ChatStream s = stream;
            if (s != null) {
                s.close();
            }
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
        Upstream upstream = Upstream.open(open);
        InFlightRequests.Request inFlight = InFlightRequests.of(req);
        if (inFlight != null) {
            inFlight.onShutdown(upstream::cancel);
        }
        ChatStream stream = null;
        try {
            stream = upstream.opening.get(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
            opened.run();
        } catch (TimeoutException e) {
            // slow upstream: answer now and keep the connection alive while it gets ready
        } catch (ExecutionException e) {
            throw unchecked(e.getCause());
        } catch (CancellationException e) {
            // only a shutdown cancels before the response started
            HttpSupport.send(req, res, shutdownError(inFlight));
            return new Outcome(0, SHUT_DOWN, null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            upstream.cancel();
            throw new ChatException.UpstreamFailure("interrupted while opening the stream");
        }
        try (EventWriter sse = EventWriter.sse(res, keepAlive, encoder.keepAlive(), upstream::cancel)) {
            if (stream == null) {
                try {
                    sse.keepAliveNow();
                    stream = upstream.opening.get();
                } catch (EventWriter.ClientGone e) {
                    upstream.cancel();
                    return new Outcome(0, CLIENT_GONE, null, null);
                } catch (CancellationException e) {
                    return ended(sse, encoder, inFlight, 0, null);
                } catch (ExecutionException e) {
                    return failed(sse, encoder, HttpSupport.requestId(req), e.getCause(), 0, null);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    upstream.cancel();
                    return new Outcome(0, "interrupted", null, null);
                }
            }
            try (ChatStream relayed = stream) {
                encoder.open(sse);
                return run(relayed, sse, encoder, inFlight, HttpSupport.requestId(req), AccessLog.of(req));
            } catch (EventWriter.ClientGone e) {
                return new Outcome(0, CLIENT_GONE, null, null);
            }
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

    private static RuntimeException unchecked(Throwable failure) {
        if (failure instanceof RuntimeException e) {
            return e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(failure);
    }
}
