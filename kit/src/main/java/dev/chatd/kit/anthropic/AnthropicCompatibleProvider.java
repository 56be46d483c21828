package dev.chatd.kit.anthropic;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.kit.http.UpstreamClient;
import dev.chatd.kit.http.UpstreamReply;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.openai.OpenAiChatReplies;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A provider whose upstream speaks Anthropic Messages at {@code base-url/messages}, keyed with
 * {@code x-api-key} and {@code anthropic-version: 2023-06-01}: the request is written by
 * {@link AnthropicMessagesRequests#encodeRequest} (so that messages read from an Anthropic
 * client go as their verbatim blocks, signatures and {@code cache_control} included), whole
 * replies read by {@link AnthropicMessagesReplies#decodeReply}, streams by
 * {@link AnthropicMessagesStream}, and error replies by {@link AnthropicErrors#fromReply} (an
 * overloaded upstream fails as {@link ChatException.UpstreamOverloaded}). What a particular
 * upstream does differently is its {@link Quirks}.
 *
 * <p>The client's {@code anthropic-beta} header is not forwarded: the normalised request
 * carries no inbound headers. An operator can set one for every call under the provider's
 * {@code headers}.
 *
 * @since 0.3
 */
public final class AnthropicCompatibleProvider implements ChatProvider {
    /** The Messages API version chatd writes and reads. */
    public static final String ANTHROPIC_VERSION = "2023-06-01";

    /**
     * How one upstream departs from plain Anthropic behaviour. Every method has the plain
     * default. The JSON trees are the mutable ones {@link dev.chatd.kit.json.JsonCodec} reads and
     * writes; a hook may change one in place and return it, or return another.
     *
     * @since 0.3
     */
    public interface Quirks {
        Quirks NONE = new Quirks() {};

        /** Shapes the request body, encoded as plain Anthropic from {@code request}, before it is sent. */
        default Map<String, Object> request(Map<String, Object> body, ChatRequest request) {
            return body;
        }

        /** Turns a successful reply's parsed body into a plain Anthropic {@code message} before it is read. */
        default Object reply(Object tree) {
            return tree;
        }

        /** The exception for a non-2xx reply. */
        default ChatException error(UpstreamReply reply) {
            return AnthropicErrors.fromReply(reply);
        }
    }

    private final String name;
    private final UpstreamClient upstream;
    private final Quirks quirks;
    private final Duration idleTimeout;

    /** @param headers headers every call carries besides the key and version (configured headers still win) */
    public AnthropicCompatibleProvider(ProviderContext context, Map<String, String> headers, Quirks quirks) {
        this.name = context.name();
        Map<String, String> all = new LinkedHashMap<>();
        all.put("anthropic-version", ANTHROPIC_VERSION);
        // Anthropic, Zen's /messages and Kimi's Anthropic endpoint all read the key from
        // x-api-key; Zen ignores a Bearer there, so none is sent.
        context.key().ifPresent(key -> all.put("x-api-key", key.reveal()));
        all.putAll(headers);
        this.upstream = UpstreamClient.create(context, false, all);
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
                "/messages", quirks.request(AnthropicMessagesRequests.encodeRequest(request, false), request));
        if (!reply.isSuccess()) {
            throw quirks.error(reply);
        }
        return reply.decode(tree -> AnthropicMessagesReplies.decodeReply(quirks.reply(tree), name));
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        UpstreamStream body = upstream.postJsonStreaming(
                "/messages",
                quirks.request(AnthropicMessagesRequests.encodeRequest(request, true), request),
                idleTimeout);
        if (!body.isSuccess()) {
            throw quirks.error(body.drain());
        }
        return new AnthropicMessagesStream(body);
    }

    /** {@code GET /models}: Anthropic's list, like OpenAI's, names each model by {@code data[].id}. */
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
