package dev.chatd.kit.routing;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.ModelDetails;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.spi.ChatProvider;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A provider that sends each chat to one of two providers of the same upstream by the model it
 * names: to {@code other} when {@code toOther} accepts the model, else to {@code main}. The model
 * list, details and availability are {@code main}'s, which is the one that lists every model.
 * Both share the provider's name, key and transport; closing it closes both.
 *
 * @since 0.3
 */
public final class SplitByModelProvider implements ChatProvider {
    private final ChatProvider main;
    private final ChatProvider other;
    private final Predicate<String> toOther;

    private SplitByModelProvider(ChatProvider main, ChatProvider other, Predicate<String> toOther) {
        this.main = Objects.requireNonNull(main, "main");
        this.other = Objects.requireNonNull(other, "other");
        this.toOther = Objects.requireNonNull(toOther, "toOther");
    }

    /**
     * @param main the provider for the models {@code toOther} refuses, and for the model list
     * @param other the provider for the models {@code toOther} accepts
     * @param toOther given the model as the upstream knows it (without chatd's prefix)
     */
    public static SplitByModelProvider create(ChatProvider main, ChatProvider other, Predicate<String> toOther) {
        return new SplitByModelProvider(main, other, toOther);
    }

    @Override
    public String name() {
        return main.name();
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        return pick(request).chat(request);
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        return pick(request).stream(request);
    }

    @Override
    public List<ModelInfo> models() {
        return main.models();
    }

    @Override
    public Optional<ModelDetails> details(String model) {
        return main.details(model);
    }

    @Override
    public boolean available() {
        return main.available();
    }

    @Override
    public void close() {
        try {
            main.close();
        } finally {
            other.close();
        }
    }

    private ChatProvider pick(ChatRequest request) {
        return toOther.test(request.model()) ? other : main;
    }
}
