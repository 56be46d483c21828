package dev.chatd.kit.openai;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.ModelDetails;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.http.UpstreamStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A provider whose upstream speaks OpenAI chat completions at {@code base-url/chat/completions}
 * with a Bearer key. What a particular upstream does differently is its {@link Quirks}: hooks on
 * the request body it is sent, on the reply and each stream event before they are read as plain
 * OpenAI, and on error replies. The shared codecs know plain OpenAI only.
 *
 * @since 0.2
 */
public final class OpenAiCompatibleProvider implements ChatProvider {

    /**
     * How one upstream departs from plain OpenAI behaviour. Every method has the plain default.
     * The JSON trees are the mutable ones {@link dev.chatd.kit.json.JsonCodec} reads and writes
     * ({@code LinkedHashMap}, {@code ArrayList}, {@code BigDecimal}…); a hook may change one in
     * place and return it, or return another.
     */
    public interface Quirks {
        Quirks NONE = new Quirks() {};

        /**
         * Shapes the request body, encoded as plain OpenAI from {@code request}, before it is sent.
         *
         * @since 0.2
         */
        default Map<String, Object> request(Map<String, Object> body, ChatRequest request) {
            return body;
        }

        /**
         * Turns a successful reply's parsed body into plain OpenAI before it is read. It may
         * throw a {@link ChatException.UpstreamFailure} for an error the upstream reports inside
         * a 200; its message is stripped of the key.
         *
         * @since 0.2
         */
        default Object reply(Object tree) {
            return tree;
        }

        /**
         * Turns one stream event's parsed {@code data:} into plain OpenAI before it is read,
         * data after {@code [DONE]} included (only its usage is kept from there).
         *
         * @since 0.2
         */
        default Object chunk(Object event) {
            return event;
        }

        /**
         * Whether the upstream's {@code GET /models} lists every model it serves with its
         * details ({@link OpenAiModelDetails}), as OpenRouter's does: then {@link #details}
         * reads them from there and a model not listed is not found. Without it, the provider
         * says nothing about a model.
         *
         * @since 0.3
         */
        default boolean modelListHasDetails() {
            return false;
        }

        /** The exception for a non-2xx reply. */
        default ChatException error(UpstreamReply reply) {
            return UpstreamErrors.fromReply(reply);
        }
    }

    private static final long MODEL_LIST_FRESH_NANOS = Duration.ofSeconds(60).toNanos();

    private record ModelList(Object tree, long fetchedAt) {}

    private final String name;
    private final UpstreamClient upstream;
    private final Quirks quirks;
    private final Duration idleTimeout;
    private volatile ModelList modelList;

    /** @param headers headers every call carries besides the key (configured headers still win) */
    public OpenAiCompatibleProvider(ProviderContext context, Map<String, String> headers, Quirks quirks) {
        this.name = context.name();
        this.upstream = UpstreamClient.create(context, true, headers);
        this.quirks = quirks;
        this.idleTimeout = context.streamIdleTimeout();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        UpstreamReply reply = upstream.postJson(
                "/chat/completions", quirks.request(OpenAiChatRequests.encodeChat(request, false), request));
        if (!reply.isSuccess()) {
            throw quirks.error(reply);
        }
        return reply.decode(tree -> OpenAiChatReplies.decodeChat(quirks.reply(tree), name));
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        UpstreamStream body = upstream.postJsonStreaming(
                "/chat/completions",
                quirks.request(OpenAiChatRequests.encodeChat(request, true), request),
                idleTimeout);
        if (!body.isSuccess()) {
            throw quirks.error(body.drain());
        }
        return new OpenAiChatStream(body, quirks::chunk);
    }

    @Override
    public List<ModelInfo> models() {
        UpstreamReply reply = upstream.get("/models", upstream.timeout());
        if (!reply.isSuccess()) {
            throw quirks.error(reply);
        }
        return OpenAiChatReplies.decodeModels(reply.json(), name);
    }

    /**
     * The model's entry in the upstream's model list, for an upstream whose list has details
     * ({@link Quirks#modelListHasDetails}); the list is big, so it is kept for a minute.
     */
    @Override
    public Optional<ModelDetails> details(String model) {
        if (!quirks.modelListHasDetails()) {
            return Optional.empty();
        }
        ModelList list = modelList;
        if (list == null || System.nanoTime() - list.fetchedAt() > MODEL_LIST_FRESH_NANOS) {
            UpstreamReply reply = upstream.get("/models", upstream.timeout());
            if (!reply.isSuccess()) {
                throw quirks.error(reply);
            }
            list = new ModelList(reply.json(), System.nanoTime());
            modelList = list;
        }
        Object tree = list.tree();
        return Optional.of(OpenAiModelDetails.find(tree, model, name)
                .orElseThrow(() ->
                        new ChatException.ModelNotFound(name + ": model '" + model + "' is not in its model list")));
    }

    /** A keyed upstream is available unless disabled; probing it would spend the operator's quota. */
    @Override
    public boolean available() {
        return true;
    }
}
