package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import java.util.function.Consumer;

/**
 * Moves a provider's stream to a client, chunk by chunk, in whatever format the ingress speaks.
 * A failure of the upstream mid-stream is handed to {@code onError} to tell the client; a
 * client that went away ends the relay and, through the writer, cancels the upstream call.
 */
final class StreamRelay {
    private StreamRelay() {}

    /** How a relay ended, for the log line. */
    record Outcome(int chunks, String result) {}

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
