package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Moves a provider's stream to a client, chunk by chunk, in whatever format the ingress speaks.
 * A failure of the upstream mid-stream is handed to {@code onError} to tell the client; a
 * client that went away ends the relay and, through the writer, cancels the upstream call.
 */
final class StreamRelay {
    private StreamRelay() {}

    /** How a relay ended, for the log line. */
    record Outcome(int chunks, String result) {}

    /** What an SSE ingress does with the events of one stream. */
    interface SseFormat {
        /** Writes what comes before the first chunk (OpenAI's role chunk); nothing by default. */
        default void open(EventWriter sse) {}

        void chunk(EventWriter sse, ChatChunk chunk);

        void error(EventWriter sse, ApiError error);
    }

    /**
     * Opens the provider's stream and relays it as server-sent events. An upstream that
     * accepts the call within one keep-alive interval gets the usual treatment: a failure
     * before that is an ordinary HTTP error (thrown from here). An upstream that is slower (a
     * local model loading) does not leave the client in silence: the 200 goes out with a
     * keep-alive comment, keep-alives follow, and a later failure is an error event.
     */
    static Outcome relaySse(ServerResponse res, ScheduledExecutorService scheduler, Duration keepAlive,
            Supplier<ChatStream> open, SseFormat format) {
        AtomicReference<ChatStream> opened = new AtomicReference<>();
        CompletableFuture<ChatStream> opening = new CompletableFuture<>();
        Thread.ofVirtual().name("chatd-open-stream").start(() -> {
            try {
                ChatStream stream = open.get();
                opened.set(stream);
                if (!opening.complete(stream)) {
                    stream.close(); // nobody is waiting any more
                }
            } catch (Throwable failure) {
                opening.completeExceptionally(failure);
            }
        });
        ChatStream stream = null;
        try {
            stream = opening.get(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // slow upstream: answer now and keep the connection alive while it gets ready
        } catch (ExecutionException e) {
            throw unchecked(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            opening.cancel(false);
            throw new ChatException.UpstreamFailure("interrupted while opening the stream");
        }
        Runnable cancel = () -> {
            opening.cancel(false);
            ChatStream s = opened.get();
            if (s != null) {
                s.close();
            }
        };
        try (EventWriter sse = EventWriter.sse(res, scheduler, keepAlive, cancel)) {
            if (stream == null) {
                try {
                    sse.keepAliveNow();
                    stream = opening.get();
                } catch (EventWriter.ClientGone | CancellationException e) {
                    cancel.run();
                    return new Outcome(0, "client went away");
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof ChatException failure) {
                        ApiError error = ApiError.of(failure);
                        format.error(sse, error);
                        return new Outcome(0, "error " + error.type() + ": " + failure.getMessage());
                    }
                    throw unchecked(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancel.run();
                    return new Outcome(0, "interrupted");
                }
            }
            try (ChatStream relayed = stream) {
                format.open(sse);
                return run(relayed, sse, chunk -> format.chunk(sse, chunk), error -> format.error(sse, error));
            } catch (EventWriter.ClientGone e) {
                return new Outcome(0, "client went away");
            }
        }
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

    static Outcome run(ChatStream stream, EventWriter out, Consumer<ChatChunk> onChunk, Consumer<ApiError> onError) {
        int chunks = 0;
        String result = "incomplete";
        try {
            while (stream.hasNext()) {
                ChatChunk chunk = stream.next();
                onChunk.accept(chunk);
                chunks++;
                if (chunk.isFinal()) {
                    result = chunk.finishReason().wire();
                }
            }
        } catch (ChatException e) {
            if (out.isBroken()) {
                return new Outcome(chunks, "client went away");
            }
            ApiError error = ApiError.of(e);
            try {
                onError.accept(error);
            } catch (EventWriter.ClientGone gone) {
                return new Outcome(chunks, "client went away");
            }
            return new Outcome(chunks, "error " + error.type() + ": " + e.getMessage());
        } catch (EventWriter.ClientGone e) {
            return new Outcome(chunks, "client went away");
        }
        return new Outcome(chunks, result);
    }
}
