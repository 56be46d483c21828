package dev.chatd.kit.openai;

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
import dev.chatd.kit.openai.OpenAiChatStream;
import dev.chatd.kit.openai.OpenAiWire;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A provider whose upstream speaks OpenAI chat completions at {@code base-url/chat/completions}
 * with a Bearer key. What a particular upstream does differently is its {@link Quirks}.
 */
public final class OpenAiCompatibleProvider implements ChatProvider {

    /** How one upstream departs from plain OpenAI behaviour. Every method has the plain default. */
    public interface Quirks {
        Quirks NONE = new Quirks() {};

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
        UpstreamReply reply = upstream.postJson("/chat/completions", OpenAiWire.encodeChat(request, false));
        if (!reply.isSuccess()) {
            throw quirks.error(reply);
        }
        return reply.decode(tree -> OpenAiWire.decodeChat(tree, name));
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        UpstreamStream body = upstream.postJsonStreaming("/chat/completions", OpenAiWire.encodeChat(request, true), idleTimeout);
        if (!body.isSuccess()) {
            throw quirks.error(body.drain());
        }
        return new OpenAiChatStream(body);
    }

    @Override
    public List<ModelInfo> models() {
        UpstreamReply reply = upstream.get("/models", upstream.timeout());
        if (!reply.isSuccess()) {
            throw quirks.error(reply);
        }
        return OpenAiWire.decodeModels(reply.json(), name);
    }

    /** A keyed upstream is available unless disabled; probing it would spend the operator's quota. */
    @Override
    public boolean available() {
        return true;
    }
}
