package dev.chatd.kit.http;

import dev.chatd.api.ChatException;
import dev.chatd.api.spi.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A streamed upstream body read line by line as it arrives, as a provider's stream reader sees
 * it: the transport's {@link Transport.Lines} with the provider's name, key redaction, and a way
 * to read an error body whole. The transport enforces the deadlines and the line cap. Closing
 * it early cancels the upstream call. One reader at a time.
 *
 * @since 0.2
 */
public final class UpstreamStream implements AutoCloseable {
    /** An error body longer than this is cut: its start says what went wrong. */
    private static final int MAX_ERROR_BODY = 1024 * 1024;

    private final UpstreamClient client;
    private final Transport.Lines lines;

    UpstreamStream(UpstreamClient client, Transport.Lines lines) {
        this.client = client;
        this.lines = lines;
    }

    public int status() {
        return lines.status();
    }

    public boolean isSuccess() {
        return status() >= 200 && status() < 300;
    }

    public String provider() {
        return client.provider();
    }

    /** Removes the key from text that came from the upstream. */
    public String redact(String text) {
        return client.redact(text);
    }

    /** Waits at most {@code idle} for each later piece, e.g. for trailing data after a stream's end marker. */
    public void idleTimeout(Duration idle) {
        lines.idleTimeout(idle);
    }

    /** Reads the rest of an error body (bounded by the timeouts) as a reply, for error mapping. */
    public UpstreamReply drain() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            String l;
            while ((l = nextLine()) != null && body.size() < MAX_ERROR_BODY) {
                body.writeBytes(l.getBytes(StandardCharsets.UTF_8));
                body.write('\n');
            }
        } catch (ChatException e) {
            // What arrived is what the error mapping gets.
        } finally {
            close();
        }
        return new UpstreamReply(client, status(), lines.headers(), body.toByteArray());
    }

    /**
     * The next line without its line break, or null at the end of the body.
     *
     * @throws ChatException.UpstreamTimeout when the upstream falls silent too long
     * @throws ChatException.UpstreamFailure when the connection breaks or a line is too long
     */
    public String nextLine() {
        return lines.nextLine();
    }

    /** Cancels the upstream call and closes its connection, unless the body already ended. */
    @Override
    public void close() {
        lines.close();
    }
}
