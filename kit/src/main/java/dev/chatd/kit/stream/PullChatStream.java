package dev.chatd.kit.stream;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatStream;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.json.JsonCodec;
import java.util.NoSuchElementException;

/**
 * A {@link ChatStream} that reads an upstream's streamed body and fetches one chunk at a time
 * from it. Closing the stream closes the body, cancelling the upstream call.
 */
public abstract class PullChatStream implements ChatStream {
    protected final UpstreamStream body;
    private ChatChunk pending;
    private boolean finished;

    protected PullChatStream(UpstreamStream body) {
        this.body = body;
    }

    /** Parses one piece of the stream; anything but JSON fails as the upstream's fault. */
    protected Object parse(String json, String what) {
        try {
            return JsonCodec.parse(json);
        } catch (JsonCodec.MalformedJsonException e) {
            throw new ChatException.UpstreamFailure(
                    body.provider() + " sent a " + what + " that is not JSON: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        body.close();
    }

    /** The next chunk, blocking until it arrives; null after the last one. */
    protected abstract ChatChunk fetch();

    @Override
    public final boolean hasNext() {
        if (pending == null && !finished) {
            try {
                pending = fetch();
            } catch (RuntimeException e) {
                finished = true;
                close();
                throw e;
            }
            if (pending == null) {
                finished = true;
                close();
            }
        }
        return pending != null;
    }

    @Override
    public final ChatChunk next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ChatChunk chunk = pending;
        pending = null;
        return chunk;
    }
}
