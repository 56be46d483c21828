package dev.chatd.provider.ollama;

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
import dev.chatd.kit.ollama.OllamaChatReplies;
import dev.chatd.kit.ollama.OllamaChatRequests;
import dev.chatd.kit.ollama.OllamaChatStream;
import dev.chatd.kit.ollama.OllamaShow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Ollama server's {@code /api/chat} (and {@code /api/show} for a model's details): a local
 * one without a key, or Ollama Cloud with a Bearer key. Both speak the same wire format.
 */
final class OllamaProvider implements ChatProvider {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final long PROBE_CACHE_NANOS = Duration.ofSeconds(5).toNanos();

    private final String name;
    private final UpstreamClient upstream;
    private final boolean probe;
    private final Duration idleTimeout;
    private volatile boolean lastProbe;
    private volatile long lastProbeAt;

    /** @param probe whether {@link #available()} asks the server ({@code GET /api/version}) */
    OllamaProvider(ProviderContext context, boolean probe) {
        this.name = context.name();
        this.upstream = UpstreamClient.create(context, true, Map.of());
        this.probe = probe;
        this.idleTimeout = context.streamIdleTimeout();
        this.lastProbeAt = System.nanoTime() - PROBE_CACHE_NANOS - 1;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        UpstreamReply reply = upstream.postJson("/api/chat", OllamaChatRequests.encodeChat(request, false));
        if (!reply.isSuccess()) {
            // Ollama's error body is {"error":"…"}; an unknown model is a 404.
            throw UpstreamErrors.fromReply(reply);
        }
        return reply.decode(tree -> OllamaChatReplies.decodeChat(tree, name));
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        UpstreamStream body =
                upstream.postJsonStreaming("/api/chat", OllamaChatRequests.encodeChat(request, true), idleTimeout);
        if (!body.isSuccess()) {
            throw UpstreamErrors.fromReply(body.drain());
        }
        return new OllamaChatStream(body);
    }

    @Override
    public List<ModelInfo> models() {
        UpstreamReply reply = upstream.get("/api/tags", upstream.timeout());
        if (!reply.isSuccess()) {
            throw UpstreamErrors.fromReply(reply);
        }
        return OllamaChatReplies.decodeTags(reply.json(), name);
    }

    /** Ollama's {@code POST /api/show}: family, size, context length, capabilities; an unknown model is its 404. */
    @Override
    public Optional<ModelDetails> details(String model) {
        UpstreamReply reply = upstream.postJson("/api/show", OllamaShow.encodeRequest(model));
        if (!reply.isSuccess()) {
            throw UpstreamErrors.fromReply(reply);
        }
        return Optional.of(reply.decode(tree -> OllamaShow.decodeReply(tree, name)));
    }

    /** A cheap {@code GET /api/version}, cached for a few seconds, for a local server; always true for the cloud. */
    @Override
    public boolean available() {
        if (!probe) {
            return true;
        }
        long now = System.nanoTime();
        if (now - lastProbeAt < PROBE_CACHE_NANOS) {
            return lastProbe;
        }
        boolean up;
        try {
            up = upstream.get("/api/version", PROBE_TIMEOUT).isSuccess();
        } catch (ChatException e) {
            up = false;
        }
        lastProbe = up;
        lastProbeAt = now;
        return up;
    }
}
