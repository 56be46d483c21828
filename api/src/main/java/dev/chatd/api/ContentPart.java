package dev.chatd.api;

import java.util.Objects;

/** One part of a message's content: text or an image. */
public sealed interface ContentPart {

    /** A piece of text. */
    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * An image, by URL. A {@code data:} URL carries the image inline (base64), which is how
     * Ollama receives it.
     *
     * @param url an http(s) or {@code data:image/...;base64,} URL
     * @param detail OpenAI's detail hint ({@code low}, {@code high}, {@code auto}), or null
     */
    record Image(String url, String detail) implements ContentPart {
        public Image {
            Objects.requireNonNull(url, "url");
        }
    }

    static ContentPart text(String text) {
        return new Text(text);
    }
}
