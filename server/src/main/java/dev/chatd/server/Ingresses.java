package dev.chatd.server;

import dev.chatd.core.ProviderRegistry;
import dev.chatd.core.resilience.Dispatcher;
import dev.chatd.server.ingress.AnthropicCountTokensCodec;
import dev.chatd.server.ingress.AnthropicMessagesCodec;
import dev.chatd.server.ingress.IngressCodec;
import dev.chatd.server.ingress.NativeCodec;
import dev.chatd.server.ingress.OllamaChatCodec;
import dev.chatd.server.ingress.OllamaGenerateCodec;
import dev.chatd.server.ingress.OpenAiChatCodec;
import dev.chatd.server.ingress.ResponsesCodec;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import java.time.Duration;
import java.util.List;

/**
 * Every client API chatd serves, each mounted at its paths with one {@link ChatHandler}, and
 * the answer to "which API's error envelope does this path get", for errors raised anywhere:
 * in a handler, in a filter (401, the shutdown's 503), for an unknown route (404) or before
 * routing (Helidon's transport errors). Adding a client API is adding its {@link Ingress} to {@link #standard}.
 */
final class Ingresses implements HttpService {
    private static final String KEY = "chatd.ingresses";
    /** The envelope of paths no API claims ({@code /health}, unknown routes). */
    private static final IngressCodec DEFAULT = new NativeCodec();

    private static final Ingresses NATIVE_ONLY =
            new Ingresses(List.of(), null, new RecentModels(), 0, Duration.ZERO, false);

    private final List<Ingress> mounted;
    private final Dispatcher dispatcher;
    private final RecentModels recent;
    private final long maxRequestBytes;
    private final Duration keepAlive;
    private final boolean forwardForeignFields;

    /** @param recent where the chat handlers note the models they served, for {@code /api/ps} */
    Ingresses(
            List<Ingress> mounted,
            Dispatcher dispatcher,
            RecentModels recent,
            long maxRequestBytes,
            Duration keepAlive,
            boolean forwardForeignFields) {
        this.mounted = List.copyOf(mounted);
        this.dispatcher = dispatcher;
        this.recent = recent;
        this.maxRequestBytes = maxRequestBytes;
        this.keepAlive = keepAlive;
        this.forwardForeignFields = forwardForeignFields;
    }

    /**
     * chatd's client APIs: native {@code /chat}, OpenAI chat completions, Ollama's (chat and
     * generate, each its own codec, and the routes beside them), Anthropic's Messages (and
     * its {@code count_tokens}) and OpenAI's Responses (whose stored-response routes answer 404:
     * {@link StatelessResponses}).
     */
    static List<Ingress> standard(ProviderRegistry registry, ModelCatalog catalog, RecentModels recent) {
        return List.of(
                new Ingress(
                        DEFAULT,
                        List.of("/chat", "/v1/chat"),
                        List.of("/chat", "/v1/chat", "/chat/providers", "/v1/chat/providers"),
                        rules -> rules.get("/chat/providers", Listings.providers(registry))
                                .get("/v1/chat/providers", Listings.providers(registry)),
                        List.of("POST /chat", "GET /chat/providers")),
                new Ingress(
                        new OpenAiChatCodec(),
                        List.of("/v1/chat/completions"),
                        List.of("/v1/chat/completions*", "/v1/models"),
                        rules -> rules.get("/v1/models", Listings.openAiModels(catalog)),
                        List.of("POST /v1/chat/completions", "GET /v1/models")),
                new Ingress(
                        new OllamaChatCodec(),
                        List.of("/api/chat"),
                        List.of("/api/*"),
                        rules -> rules.get("/api/tags", Listings.ollamaTags(catalog))
                                .post("/api/show", new OllamaShowRoute(registry))
                                .get("/api/ps", Listings.ollamaRunning(recent))
                                .get("/api/version", Listings.ollamaVersion()),
                        List.of(
                                "POST /api/chat",
                                "POST /api/show",
                                "GET /api/tags",
                                "GET /api/ps",
                                "GET /api/version")),
                new Ingress(
                        new OllamaGenerateCodec(),
                        List.of("/api/generate"),
                        List.of("/api/generate"),
                        rules -> {},
                        List.of("POST /api/generate")),
                new Ingress(
                        new AnthropicMessagesCodec(),
                        List.of("/v1/messages"),
                        List.of("/v1/messages*"),
                        rules -> {},
                        List.of("POST /v1/messages")),
                new Ingress(
                        new AnthropicCountTokensCodec(),
                        List.of("/v1/messages/count_tokens"),
                        List.of("/v1/messages/count_tokens"),
                        rules -> {},
                        List.of("POST /v1/messages/count_tokens")),
                new Ingress(
                        new ResponsesCodec(),
                        List.of("/v1/responses"),
                        List.of("/v1/responses*"),
                        new StatelessResponses(),
                        List.of("POST /v1/responses")));
    }

    @Override
    public void routing(HttpRules rules) {
        for (Ingress ingress : mounted) {
            ChatHandler chat = new ChatHandler(
                    ingress.codec(), dispatcher, recent, maxRequestBytes, keepAlive, forwardForeignFields);
            for (String path : ingress.chatPaths()) {
                rules.post(path, chat);
            }
            rules.register(ingress.routes());
        }
    }

    /** The codec whose error envelope a request for {@code path} gets. */
    IngressCodec codecFor(String path) {
        IngressCodec codec = DEFAULT;
        int best = -1;
        for (Ingress ingress : mounted) {
            int match = ingress.match(path);
            if (match > best) {
                best = match;
                codec = ingress.codec();
            }
        }
        return codec;
    }

    /** Every endpoint the mounted APIs serve, for the 404 of an unknown route to list. */
    List<String> served() {
        return mounted.stream().flatMap(ingress -> ingress.served().stream()).toList();
    }

    /**
     * What an unknown route's 404 says is served: the endpoints under the same first path
     * segment ({@code /api/embed} gets Ollama's), or every endpoint when none is.
     */
    String servedNear(String path) {
        int slash = path.indexOf('/', 1);
        List<String> near = List.of();
        if (slash > 0) {
            String segment = path.substring(0, slash + 1);
            near = served().stream()
                    .filter(endpoint ->
                            endpoint.substring(endpoint.indexOf(' ') + 1).startsWith(segment))
                    .toList();
        }
        return near.isEmpty()
                ? "chatd serves " + String.join(", ", served()) + " and GET /health"
                : "under " + path.substring(0, slash + 1) + " chatd serves " + String.join(", ", near);
    }

    /** Makes these the ingresses that {@link #of} finds for the request. */
    void attach(ServerRequest req) {
        req.context().register(KEY, this);
    }

    /** The errors' envelope for a request: its server's ingresses, or the native envelope alone. */
    static Ingresses of(ServerRequest req) {
        return req.context().get(KEY, Ingresses.class).orElse(NATIVE_ONLY);
    }
}
