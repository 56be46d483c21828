package dev.chatd.api;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A pull-style stream of chunks from one upstream call. {@link #next()} blocks until the next
 * chunk arrives and throws a {@link ChatException} when the upstream fails mid-stream. Closing
 * the stream before its end cancels the upstream call and frees its connection; closing twice
 * is harmless.
 */
public interface ChatStream extends Iterator<ChatChunk>, AutoCloseable {

    @Override
    void close();

    /**
     * A stream of chunks made in advance, handed out one by one; closing it drops the rest.
     *
     * @since 0.3
     */
    static ChatStream of(List<ChatChunk> chunks) {
        List<ChatChunk> listed = List.copyOf(chunks);
        return new ChatStream() {
            private volatile int next; // close() may come from the thread that cancels a relay

            @Override
            public boolean hasNext() {
                return next < listed.size();
            }

            @Override
            public ChatChunk next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return listed.get(next++);
            }

            @Override
            public void close() {
                next = listed.size();
            }
        };
    }
}
