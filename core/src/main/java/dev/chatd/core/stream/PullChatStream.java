package dev.chatd.core.stream;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatStream;
import java.util.NoSuchElementException;

/** A {@link ChatStream} that fetches one chunk at a time from a blocking source. */
public abstract class PullChatStream implements ChatStream {
    private ChatChunk pending;
    private boolean finished;

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
