package dev.chatd.api.spi;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.ModelDetails;
import dev.chatd.api.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A configured provider: one upstream with its key. Instances are created once at start-up by
 * their {@link ChatProviderFactory} and called concurrently from many threads.
 *
 * <p>Requests reach a provider with the model already stripped of its routing mark: a request
 * for {@code ollama_cloud/gpt-oss:120b} arrives with model {@code gpt-oss:120b}. Failures are
 * thrown as {@link ChatException}s.
 */
public interface ChatProvider extends AutoCloseable {

    /** The provider's name, as its factory's. */
    String name();

    /** Sends the request and waits for the whole answer. */
    ChatResponse chat(ChatRequest request);

    /**
     * Sends the request and returns its answer as a stream of chunks. The default calls
     * {@link #chat} and hands each choice of the whole answer over as one chunk, then the
     * finishes; providers whose upstream streams override it.
     */
    default ChatStream stream(ChatRequest request) {
        ChatResponse response = chat(request);
        List<ChatChunk> chunks = new ArrayList<>();
        for (int i = 0; i < response.choices().size(); i++) {
            ChatResponse.Choice choice = response.choices().get(i);
            chunks.add(new ChatChunk(
                    choice.message().text(),
                    choice.message().reasoning(),
                    ChatStreams.deltasOf(choice.message().toolCalls()),
                    null,
                    null,
                    i,
                    choice.logprobs()));
        }
        for (int i = 1; i < response.choices().size(); i++) {
            chunks.add(new ChatChunk(
                    null, null, List.of(), response.choices().get(i).finishReason(), null, i, null));
        }
        chunks.add(ChatChunk.finish(response.finishReason(), response.usage()));
        return ChatStream.of(chunks);
    }

    /**
     * The models the upstream offers, asked of it now (callers cache the answer). The default
     * lists none.
     *
     * @throws ChatException when the upstream cannot be asked
     */
    default List<ModelInfo> models() {
        return List.of();
    }

    /**
     * What the upstream says about one model (family, context length, capabilities), asked of
     * it now. The default, and any provider whose upstream does not say, returns empty; the
     * caller then falls back on what it knows from the name.
     *
     * @param model the model as the upstream knows it (without chatd's provider prefix)
     * @throws ChatException.ModelNotFound when the upstream says it has no such model
     * @throws ChatException when the upstream cannot be asked
     * @since 0.3
     */
    default Optional<ModelDetails> details(String model) {
        return Optional.empty();
    }

    /**
     * Whether the upstream can take requests now. Must be cheap: callers may ask often, so a
     * provider that probes its upstream caches the answer for a few seconds.
     */
    boolean available();

    /** Frees what the provider holds. The shared HTTP client is not the provider's to close. */
    @Override
    default void close() {}
}
