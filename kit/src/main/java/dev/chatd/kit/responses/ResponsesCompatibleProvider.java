package dev.chatd.kit.responses;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.openai.OpenAiChatReplies;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A provider whose upstream speaks OpenAI Responses at {@code base-url/responses} with a Bearer
 * key: the request is written by {@link ResponsesRequests#encodeRequest} (so that messages read
 * from a Responses client go as their verbatim input items, reasoning items with their
 * {@code encrypted_content} included, and {@code store} is always false), whole replies read by
 * {@link ResponsesReplies#decodeReply}, streams by {@link ResponsesStream}, and error replies,
 * in OpenAI's envelope, by {@link UpstreamErrors#fromReply}. What a particular upstream does
 * differently is its {@link Quirks}.
 *
 * @since 0.3
 */
public final class ResponsesCompatibleProvider implements ChatProvider {

    /**
     * How one upstream departs from plain Responses behaviour. Every method has the plain
     * default. The JSON trees are the mutable ones {@link dev.chatd.kit.json.JsonCodec} reads and
     * writes; a hook may change one in place and return it, or return another.
     *
     * @since 0.3
     */
    public interface Quirks {
        Quirks NONE = new Quirks() {};

        /** Shapes the request body, encoded as plain Responses from {@code request}, before it is sent. */
        default Map<String, Object> request(Map<String, Object> body, ChatRequest request) {
            return body;
        }

        /** Turns a successful reply's parsed body into a plain {@code response} before it is read. */
        default Object reply(Object tree) {
            return tree;
        }

        /** The exception for a non-2xx reply. */
        default ChatException error(UpstreamReply reply) {
            return UpstreamErrors.fromReply(reply);
        }
    }

    private final String name;
    private final UpstreamClient upstream;
    private final Quirks quirks;
    private final Duration idleTimeout;

    /** @param headers headers every call carries besides the key (configured headers still win) */
    public ResponsesCompatibleProvider(ProviderContext context, Map<String, String> headers, Quirks quirks) {
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
                "/responses", quirks.request(ResponsesRequests.encodeRequest(request, false), request));
        if (!reply.isSuccess()) {
            throw quirks.error(reply);
        }
        return reply.decode(tree -> ResponsesReplies.decodeReply(quirks.reply(tree), name));
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        UpstreamStream body = upstream.postJsonStreaming(
                "/responses", quirks.request(ResponsesRequests.encodeRequest(request, true), request), idleTimeout);
        if (!body.isSuccess()) {
            throw quirks.error(body.drain());
        }
        return new ResponsesStream(body);
    }

    /** {@code GET /models}: OpenAI's list, each model by {@code data[].id}. */
    @Override
    public List<ModelInfo> models() {
        UpstreamReply reply = upstream.get("/models", upstream.timeout());
        if (!reply.isSuccess()) {
            throw quirks.error(reply);
        }
        return OpenAiChatReplies.decodeModels(reply.json(), name);
    }

    /** A keyed upstream is available unless disabled; probing it would spend the operator's quota. */
    @Override
    public boolean available() {
        return true;
    }
}
