package dev.chatd.api;

import java.util.Iterator;

/**
 * A pull-style stream of chunks from one upstream call. {@link #next()} blocks until the next
 * chunk arrives and throws a {@link ChatException} when the upstream fails mid-stream. Closing
 * the stream before its end cancels the upstream call and frees its connection; closing twice
 * is harmless.
 */
public interface ChatStream extends Iterator<ChatChunk>, AutoCloseable {

    @Override
    void close();
}
