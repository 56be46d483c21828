package dev.chatd.kit.stream;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatStream;
import dev.chatd.kit.anthropic.AnthropicMessagesStream;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.ollama.OllamaChatStream;
import dev.chatd.kit.openai.OpenAiChatStream;
import dev.chatd.kit.responses.ResponsesStream;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.TestProviderContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Opens core's readers against a fake upstream, the way providers do. */
public final class StreamFixture {

    private StreamFixture() {}

    /**
     * One streamed call to a throwaway fake, so that tests with sub-second timeouts do not
     * spend them loading the HTTP classes of a fresh JVM.
     */
    public static void warmUp() {
        try (FakeUpstream fake = FakeUpstream.start()) {
            fake.on("POST", "/api/chat", FakeUpstream.ndjson().lines("{\"done\":true}"));
            drain(ollama(fake));
        }
    }

    public static UpstreamStream open(FakeUpstream fake, String path, Duration timeout, Duration idle) {
        UpstreamClient client =
                UpstreamClient.create(TestProviderContext.of("fake", fake, timeout, idle), true, Map.of());
        return client.postJsonStreaming(path, Map.of("model", "m", "stream", true), idle);
    }

    public static ChatStream ollama(FakeUpstream fake) {
        return new OllamaChatStream(open(fake, "/api/chat", Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    public static ChatStream openAi(FakeUpstream fake) {
        return new OpenAiChatStream(open(fake, "/chat/completions", Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    public static ChatStream anthropic(FakeUpstream fake) {
        return new AnthropicMessagesStream(open(fake, "/messages", Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    public static ChatStream responses(FakeUpstream fake) {
        return new ResponsesStream(open(fake, "/responses", Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    /** Every chunk until the stream ends. */
    public static List<ChatChunk> drain(ChatStream stream) {
        List<ChatChunk> chunks = new ArrayList<>();
        try (stream) {
            while (stream.hasNext()) {
                chunks.add(stream.next());
            }
        }
        return chunks;
    }

    public static String text(List<ChatChunk> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> {
            if (c.content() != null) {
                text.append(c.content());
            }
        });
        return text.toString();
    }

    public static String reasoning(List<ChatChunk> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> {
            if (c.reasoning() != null) {
                text.append(c.reasoning());
            }
        });
        return text.toString();
    }
}
