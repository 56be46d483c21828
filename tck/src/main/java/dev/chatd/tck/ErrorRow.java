package dev.chatd.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.spi.ChatProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * One row of an upstream's error table: what the upstream answers, and the exception a chatd
 * caller must get for it, with the words its message must keep.
 */
public record ErrorRow(
        String name,
        int status,
        String contentType,
        String body,
        List<String> headers,
        Class<? extends ChatException> expected,
        List<String> mustSay) {

    /** The upstream answers {@code status} with a JSON body. */
    public static ErrorRow json(
            String name, int status, String body, Class<? extends ChatException> expected, String... mustSay) {
        return new ErrorRow(name, status, "application/json", body, List.of(), expected, List.of(mustSay));
    }

    /** The upstream answers {@code status} with a body of another type (a proxy's HTML page). */
    public static ErrorRow other(
            String name,
            int status,
            String contentType,
            String body,
            Class<? extends ChatException> expected,
            String... mustSay) {
        return new ErrorRow(name, status, contentType, body, List.of(), expected, List.of(mustSay));
    }

    /** The same row with one more response header. */
    public ErrorRow withHeader(String header, String value) {
        List<String> more = new ArrayList<>(headers);
        more.add(header);
        more.add(value);
        return new ErrorRow(name, status, contentType, body, more, expected, mustSay);
    }

    /**
     * Scripts this answer on {@code path}, sends {@code request} and checks the exception: its
     * kind, the words it must keep, and that {@code key} is nowhere in it.
     */
    public ChatException check(
            FakeUpstream upstream, String path, ChatProvider provider, ChatRequest request, String key) {
        upstream.on("POST", path, (req, exchange, up) -> {
            for (int i = 0; i + 1 < headers.size(); i += 2) {
                exchange.getResponseHeaders().add(headers.get(i), headers.get(i + 1));
            }
            FakeUpstream.send(exchange, status, contentType, body);
        });
        Throwable thrown = catchThrowable(() -> provider.chat(request));
        assertThat(thrown).as(name).isInstanceOf(expected);
        for (String words : mustSay) {
            assertThat(thrown.getMessage()).as(name).contains(words);
        }
        assertThat(thrown.getMessage()).as(name + ": the key stays secret").doesNotContain(key);
        assertThat(thrown.toString()).as(name + ": the key stays secret").doesNotContain(key);
        return (ChatException) thrown;
    }

    @Override
    public String toString() {
        return name;
    }
}
