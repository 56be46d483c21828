package dev.chatd.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.Secret;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The provider TCK: the checks every chatd provider passes, run against a {@link FakeUpstream}
 * that plays its upstream. A provider module extends it in a test class, names its factory and
 * the {@link #format() format} its upstream speaks, and overrides what its upstream does
 * differently (the base path, the model, the context):
 *
 * <pre>{@code
 * class MyProviderTckTest extends ProviderContract {
 *     protected ChatProviderFactory factory() { return new MyProviderFactory(); }
 *     protected UpstreamFormat format() { return UpstreamFormat.OPENAI_CHAT; }
 * }
 * }</pre>
 *
 * <p>It checks chat, streaming, tool calls with their arguments as JSON text and as a JSON
 * object, every row of {@link #errorRows() the error table}, the call and stream deadlines,
 * that closing a stream closes the upstream connection, {@code available()}, the model list,
 * and that the {@link #KEY key} never appears in an exception. The OpenAI-format checks also
 * cover images, several text parts and pass-through fields; the Anthropic-format ones the key
 * and version headers, {@code max_tokens}, the system prompt apart, parallel tool results in one
 * user message, thinking with its signature and tool input streamed in pieces, and an
 * overloaded upstream; the Responses-format ones the Bearer key, {@code store: false},
 * {@code instructions} and input items, function calls and their outputs, reasoning summaries
 * and call arguments streamed in pieces, truncation and mid-stream failures. Providers are
 * created straight
 * from their factory with a {@link TestProviderContext}; the host's registry is not involved.
 */
public abstract class ProviderContract {
    /** The configured key; also a canary that must never show up in an exception. */
    protected static final String KEY = "sk-canary-xyz";

    /** The fake upstream of the running test, started before and closed after each. */
    protected FakeUpstream upstream;

    /** The provider's factory, as ServiceLoader would find it. */
    protected abstract ChatProviderFactory factory();

    /** The wire format the provider's upstream speaks. */
    protected abstract UpstreamFormat format();

    /**
     * The format of the upstream's model list: {@link #format()}'s, unless the provider lists
     * models in another format than it chats in (OpenCode Zen's Claude models).
     */
    protected UpstreamFormat modelsFormat() {
        return format();
    }

    /** The path of the real base URL ({@code /api/v1}), so that joining it with an endpoint is tested. */
    protected String basePath() {
        return "";
    }

    /** The model as the upstream receives it (the host has stripped chatd's routing prefix). */
    protected String model() {
        return "test-model";
    }

    /** The model the upstream names in its reply; some upstreams answer with another than the one asked for. */
    protected String replyModel() {
        return model();
    }

    /** The provider's name in its context: the factory's. */
    protected String providerName() {
        return factory().name();
    }

    /**
     * The context the provider is created with: its name, the fake's base URL with {@link
     * #basePath()}, {@code key} (null for none) and the deadlines given. Override to add settings.
     */
    protected ProviderContext context(String key, Duration timeout, Duration streamIdleTimeout) {
        return new TestProviderContext(
                providerName(),
                baseUrl(),
                Optional.ofNullable(key).map(Secret::of),
                timeout,
                streamIdleTimeout,
                Map.of(),
                Map.of());
    }

    /** Whether the provider needs a key; by default, whether its factory names a key variable. */
    protected boolean keyed() {
        return factory().defaults().needsKey();
    }

    @BeforeEach
    void startUpstream() {
        upstream = FakeUpstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.close();
    }

    /** The base URL the provider is configured with: the fake's, with the real path. */
    protected URI baseUrl() {
        return URI.create(upstream.baseUrl() + basePath());
    }

    /** The chat endpoint's path as the fake sees it. */
    protected String chatPath() {
        return basePath() + format().chatPath();
    }

    /** A provider made by the factory with {@link #KEY} and 5 s deadlines. */
    protected ChatProvider provider() {
        return provider(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    /** A provider made by the factory with {@link #KEY} and the deadlines given. */
    protected ChatProvider provider(Duration timeout, Duration streamIdleTimeout) {
        return factory()
                .create(context(KEY, timeout, streamIdleTimeout))
                .orElseThrow(() -> new AssertionError(factory().name() + " made no provider from a full context"));
    }

    /** A request for {@link #model()} with {@code messages}. */
    protected ChatRequest.Builder request(Message... messages) {
        return ChatRequest.builder().model(model()).messages(List.of(messages));
    }

    /** Every chunk of the provider's stream for {@code request}, read to its end and closed. */
    protected List<ChatChunk> streamAll(ChatRequest request) {
        List<ChatChunk> chunks = new ArrayList<>();
        try (ChatStream stream = provider().stream(request)) {
            while (stream.hasNext()) {
                chunks.add(stream.next());
            }
        }
        return chunks;
    }

    /** A complete reply in the provider's format around one assistant message. */
    protected String reply(String messageJson, String finishReason, int prompt, int completion) {
        return format().reply(replyModel(), messageJson, finishReason, prompt, completion);
    }

    /** Parses JSON text for comparisons with what the upstream received. */
    protected static Object json(String text) {
        return JsonText.parse(text);
    }

    // ---- chat ----

    @Test
    void chatReachesTheUpstreamAndComesBackNormalised() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(
                        200, reply("{\"role\":\"assistant\",\"content\":\"Hello from upstream\"}", "stop", 9, 2)));

        ChatResponse response =
                provider().chat(request(Message.of(Role.USER, "Hi")).build());

        FakeUpstream.Recorded sent = upstream.lastRequest();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo(chatPath());
        assertThat(sent.header(format().keyHeader())).isEqualTo(format().keyValue(KEY));
        assertThat(sent.header("Content-Type")).startsWith("application/json");
        assertThat(sent.json().get("model")).isEqualTo(model());
        assertThat(sent.json().get("stream")).isEqualTo(false);
        assertThat(response.message().role()).isEqualTo(Role.ASSISTANT);
        assertThat(response.message().text()).isEqualTo("Hello from upstream");
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.usage().promptTokens()).isEqualTo(9);
        assertThat(response.usage().completionTokens()).isEqualTo(2);
        assertThat(response.usage().totalTokens()).isEqualTo(11);
    }

    @Test
    void streamingRelaysEveryPieceInOrderThenTheFinish() {
        upstream.on("POST", chatPath(), format().stream(replyModel(), "Hel", "lo", " there"));

        StringBuilder text = new StringBuilder();
        List<ChatChunk> finals = new ArrayList<>();
        try (ChatStream stream =
                provider().stream(request(Message.of(Role.USER, "Hi")).build())) {
            while (stream.hasNext()) {
                ChatChunk chunk = stream.next();
                if (chunk.content() != null) {
                    text.append(chunk.content());
                }
                if (chunk.isFinal()) {
                    finals.add(chunk);
                }
            }
        }

        assertThat(upstream.lastRequest().json().get("stream")).isEqualTo(true);
        assertThat(upstream.lastRequest().json().get("model")).isEqualTo(model());
        assertThat(text).hasToString("Hello there");
        assertThat(finals).hasSize(1);
        assertThat(finals.get(0).finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(finals.get(0).usage().promptTokens()).isEqualTo(7);
        assertThat(finals.get(0).usage().completionTokens()).isEqualTo(3);
    }

    @Test
    void toolCallArgumentsSentAsJsonTextArriveAsJsonText() {
        assertToolCall("\"{\\\"city\\\":\\\"Tokyo\\\"}\"");
    }

    @Test
    void toolCallArgumentsSentAsAJsonObjectArriveAsJsonText() {
        assertToolCall("{\"city\":\"Tokyo\"}");
    }

    private void assertToolCall(String argumentsJson) {
        Tool weather = new Tool("get_weather", "Current weather in a city", json("""
                {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}
                """));
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(
                        200,
                        reply(
                                """
                {"role":"assistant","content":"","tool_calls":[{"id":"call_abc","type":"function",
                 "function":{"name":"get_weather","arguments":%s}}]}
                """.formatted(argumentsJson),
                                format() == UpstreamFormat.OLLAMA ? "stop" : "tool_calls",
                                40,
                                12)));

        ChatResponse response = provider()
                .chat(request(Message.of(Role.USER, "Weather in Tokyo?"))
                        .tools(List.of(weather))
                        .build());

        assertThat((List<?>) upstream.lastRequest().json().get("tools")).hasSize(1);
        assertThat(response.message().toolCalls()).hasSize(1);
        ToolCall call = response.message().toolCalls().get(0);
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(json(call.arguments())).isEqualTo(Map.of("city", "Tokyo"));
        assertThat(response.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    }

    // ---- errors ----

    /**
     * The error table: what the upstream answers and the exception a caller must get. A
     * provider whose upstream bends a status overrides this and changes or adds rows (its own
     * envelope, its own words); the canary {@link #KEY} must never show in any of them.
     */
    protected List<ErrorRow> errorRows() {
        UpstreamFormat f = format();
        List<ErrorRow> rows = new ArrayList<>(List.of(
                ErrorRow.json(
                        "400 invalid request",
                        400,
                        f.error("messages must not be empty"),
                        ChatException.UpstreamBadRequest.class,
                        "messages must not be empty"),
                ErrorRow.json(
                        "401 wrong key, echoed back",
                        401,
                        f.error(401, "Invalid API key: " + KEY),
                        ChatException.UpstreamAuth.class),
                ErrorRow.json("403 forbidden", 403, f.error(403, "forbidden"), ChatException.UpstreamAuth.class),
                ErrorRow.json(
                        "404 unknown model",
                        404,
                        f.error(404, "model 'nope' not found"),
                        ChatException.ModelNotFound.class,
                        "model 'nope' not found"),
                ErrorRow.other(
                        "404 without a body: a wrong base URL",
                        404,
                        "text/plain",
                        "",
                        ChatException.UpstreamFailure.class,
                        "base-url"),
                ErrorRow.json(
                        "408 request timeout",
                        408,
                        f.error(408, "request timed out"),
                        ChatException.UpstreamTimeout.class),
                ErrorRow.json(
                        "413 too large",
                        413,
                        f.error(413, "prompt is too long"),
                        ChatException.UpstreamBadRequest.class,
                        "prompt is too long"),
                ErrorRow.json(
                                "429 rate limited",
                                429,
                                f.error(429, "slow down"),
                                ChatException.RateLimited.class,
                                "slow down")
                        .withHeader("Retry-After", "7"),
                ErrorRow.json(
                        "500",
                        500,
                        f.error(500, "internal error"),
                        ChatException.UpstreamFailure.class,
                        "internal error"),
                ErrorRow.json("502", 502, f.error(502, "bad gateway"), ChatException.UpstreamFailure.class),
                ErrorRow.json("503", 503, f.error(503, "overloaded"), ChatException.UpstreamFailure.class),
                ErrorRow.other(
                        "502 from a proxy, as HTML",
                        502,
                        "text/html",
                        "<html><body>Bad Gateway " + KEY + "</body></html>",
                        ChatException.UpstreamFailure.class),
                ErrorRow.other(
                        "200 with an HTML body",
                        200,
                        "text/html",
                        "<html><body>login " + KEY + "</body></html>",
                        ChatException.UpstreamFailure.class),
                ErrorRow.json(
                        "200 with broken JSON",
                        200,
                        "{\"id\":\"x\",\"choices\":[",
                        ChatException.UpstreamFailure.class),
                ErrorRow.json(
                        "200 with JSON of the wrong shape", 200, "[1,2,3]", ChatException.UpstreamFailure.class)));
        if (f == UpstreamFormat.ANTHROPIC_MESSAGES) {
            // An Anthropic client is told 529 for these, so that its SDK backs off as it does for Anthropic.
            rows.add(ErrorRow.json(
                    "529 overloaded",
                    529,
                    f.error(529, "Overloaded"),
                    ChatException.UpstreamOverloaded.class,
                    "overloaded"));
            rows.add(ErrorRow.other(
                    "529 without a body", 529, "text/plain", "", ChatException.UpstreamOverloaded.class, "overloaded"));
        }
        return rows;
    }

    @TestFactory
    Stream<DynamicTest> everyRowOfTheErrorTableBecomesTheRightChatException() {
        return errorRows().stream()
                .map(row -> DynamicTest.dynamicTest(row.name(), () -> {
                    ChatException e = row.check(
                            upstream,
                            chatPath(),
                            provider(),
                            request(Message.of(Role.USER, "Hi")).build(),
                            KEY);
                    if (e instanceof ChatException.RateLimited limited
                            && row.headers().contains("Retry-After")) {
                        assertThat(limited.retryAfter())
                                .as("Retry-After is relayed")
                                .isNotEmpty();
                    }
                }));
    }

    // ---- deadlines and cancellation ----

    @Test
    void anUpstreamThatNeverAnswersFailsAsATimeoutAtTheDeadline() {
        upstream.on("POST", chatPath(), FakeUpstream.hanging());
        ChatProvider provider = provider(Duration.ofMillis(300), Duration.ofMillis(300));

        long start = System.nanoTime();
        Throwable thrown = catchThrowable(
                () -> provider.chat(request(Message.of(Role.USER, "Hi")).build()));

        assertThat(thrown).isInstanceOf(ChatException.UpstreamTimeout.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(thrown.toString()).doesNotContain(KEY);
    }

    @Test
    void aStreamThatFallsSilentFailsAsATimeout() {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.stream(format().streamContentType())
                        .write(format().streamStart(replyModel()) + format().streamPiece(replyModel()))
                        .hang(Duration.ofSeconds(10)));
        ChatProvider provider = provider(Duration.ofSeconds(2), Duration.ofMillis(300));

        Throwable thrown;
        try (ChatStream stream =
                provider.stream(request(Message.of(Role.USER, "Hi")).build())) {
            thrown = catchThrowable(() -> {
                while (stream.hasNext()) {
                    stream.next();
                }
            });
        }

        assertThat(thrown).isInstanceOf(ChatException.UpstreamTimeout.class);
        assertThat(thrown.toString()).doesNotContain(KEY);
    }

    @Test
    void closingAStreamClosesTheUpstreamConnection() throws InterruptedException {
        upstream.on(
                "POST",
                chatPath(),
                startedStream()
                        .repeat(format().streamPiece(replyModel()), Duration.ofMillis(20), Duration.ofSeconds(20)));

        try (ChatStream stream =
                provider().stream(request(Message.of(Role.USER, "Hi")).build())) {
            assertThat(stream.hasNext()).isTrue();
            assertThat(stream.next().content()).isEqualTo("tick ");
        }
        long closedAt = System.nanoTime();

        long goneAt = upstream.awaitClientGone(Duration.ofSeconds(5));
        assertThat(goneAt).as("the upstream saw the connection close").isNotEqualTo(-1);
        assertThat(Duration.ofNanos(goneAt - closedAt)).isLessThan(Duration.ofSeconds(5));
    }

    /** A stream in the provider's format, with what comes before its first piece written. */
    private FakeUpstream.StreamScript startedStream() {
        FakeUpstream.StreamScript script = FakeUpstream.stream(format().streamContentType());
        String start = format().streamStart(replyModel());
        return start.isEmpty() ? script : script.write(start);
    }

    @Test
    void anUnreachableUpstreamFailsWithoutTheKey() {
        ChatProvider provider = provider();
        upstream.close();

        Throwable thrown = catchThrowable(
                () -> provider.chat(request(Message.of(Role.USER, "Hi")).build()));

        assertThat(thrown).isInstanceOf(ChatException.class);
        assertThat(thrown.toString()).doesNotContain(KEY);
        assertThat(String.valueOf(thrown.getCause())).doesNotContain(KEY);
    }

    // ---- availability, models, keys ----

    @Test
    void availableAnswersTrueForAHealthyUpstreamAndNeverThrows() {
        upstream.on("GET", basePath() + "/api/version", FakeUpstream.json(200, "{\"version\":\"0.9.0\"}"));
        ChatProvider provider = provider();

        assertThat(provider.available()).isTrue();

        upstream.close();
        long start = System.nanoTime();
        provider.available(); // either answer is right for a stopped upstream; throwing or hanging is not
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void modelsListsWhatTheUpstreamOffers() {
        upstream.on(
                "GET",
                basePath() + modelsFormat().modelsPath(),
                FakeUpstream.json(200, modelsFormat().models("alpha-1", "beta-2")));

        List<ModelInfo> models = provider().models();

        assertThat(models).extracting(ModelInfo::id).containsExactly("alpha-1", "beta-2");
        assertThat(upstream.lastRequest().method()).isEqualTo("GET");
        assertThat(upstream.lastRequest().header(modelsFormat().keyHeader()))
                .isEqualTo(modelsFormat().keyValue(KEY));
    }

    @Test
    void aFailedModelListFailsWithoutTheKey() {
        upstream.on(
                "GET",
                basePath() + modelsFormat().modelsPath(),
                FakeUpstream.json(401, modelsFormat().error(401, "bad key " + KEY)));

        Throwable thrown = catchThrowable(() -> provider().models());

        assertThat(thrown).isInstanceOf(ChatException.UpstreamAuth.class);
        assertThat(thrown.toString()).doesNotContain(KEY);
    }

    @Test
    void aKeyedProviderIsNotCreatedWithoutAKey() {
        assumeTrue(keyed(), "the provider needs no key");

        assertThat(factory().create(context(null, Duration.ofSeconds(5), Duration.ofSeconds(5))))
                .isEmpty();
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void theFactoryStatesTheSpiVersionItWasBuiltFor() {
        assertThat(factory().spiVersion()).isEqualTo(ChatProviderFactory.SPI_VERSION);
        assertThat(factory().name()).matches("[a-z0-9_-]+");
    }

    // ---- OpenAI chat completions in detail ----

    @Test
    void openAiRequestCarriesEverySamplingField() {
        assumeTrue(format() == UpstreamFormat.OPENAI_CHAT, "OpenAI format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(
                        200, reply("{\"role\":\"assistant\",\"content\":\"Hello from upstream\"}", "length", 9, 2)));

        ChatResponse response = provider()
                .chat(request(Message.of(Role.SYSTEM, "Be brief."), Message.of(Role.USER, "Hi"))
                        .temperature(0.2)
                        .topP(0.9)
                        .maxTokens(64)
                        .stop(List.of("END", "\n\n"))
                        .seed(42L)
                        .build());

        Map<String, Object> body = upstream.lastRequest().json();
        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]
                """));
        assertThat((BigDecimal) body.get("temperature")).isEqualByComparingTo("0.2");
        assertThat((BigDecimal) body.get("top_p")).isEqualByComparingTo("0.9");
        assertThat((BigDecimal) body.get("max_tokens")).isEqualByComparingTo("64");
        assertThat((BigDecimal) body.get("seed")).isEqualByComparingTo("42");
        assertThat(body.get("stop")).isEqualTo(List.of("END", "\n\n"));
        assertThat(body).doesNotContainKeys("tools", "tool_choice", "stream_options");
        assertThat(response.id()).isEqualTo("chatcmpl-123");
        assertThat(response.model()).isEqualTo(replyModel());
        assertThat(response.message().toolCalls()).isEmpty();
        assertThat(response.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void openAiToolCallComesBackAndTheFollowUpCarriesTheCallAndItsResult() {
        assumeTrue(format() == UpstreamFormat.OPENAI_CHAT, "OpenAI format only");
        Tool weather = new Tool("get_weather", "Current weather in a city", json("""
                {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}
                """));
        Object toolChoice = json("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
        upstream.on("POST", chatPath(), FakeUpstream.json(200, reply("""
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]}
                """, "tool_calls", 40, 12)));
        Message question = Message.of(Role.USER, "Weather in Tokyo?");
        ChatProvider provider = provider();

        ChatResponse first = provider.chat(
                request(question).tools(List.of(weather)).toolChoice(toolChoice).build());

        Map<String, Object> sent = upstream.lastRequest().json();
        assertThat(sent.get("tools")).isEqualTo(json("""
                [{"type":"function","function":{"name":"get_weather","description":"Current weather in a city",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]
                """));
        assertThat(sent.get("tool_choice")).isEqualTo(toolChoice);
        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(first.message().toolCalls())
                .containsExactly(new ToolCall("call_abc", "get_weather", "{\"city\":\"Tokyo\"}"));
        assertThat(first.message().content()).isEmpty();

        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(
                        200, reply("{\"role\":\"assistant\",\"content\":\"It is 21 °C in Tokyo.\"}", "stop", 60, 9)));
        Message result = new Message(
                Role.TOOL,
                List.of(new ContentPart.Text("{\"temp_c\":21}")),
                null,
                List.of(),
                "call_abc",
                null,
                Map.of());

        ChatResponse second = provider.chat(request(question, first.message(), result)
                .tools(List.of(weather))
                .build());

        assertThat(upstream.requests()).hasSize(2);
        assertThat(upstream.lastRequest().json().get("messages")).isEqualTo(json("""
                [{"role":"user","content":"Weather in Tokyo?"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function",
                   "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]},
                 {"role":"tool","content":"{\\"temp_c\\":21}","tool_call_id":"call_abc"}]
                """));
        assertThat(second.message().text()).isEqualTo("It is 21 °C in Tokyo.");
        assertThat(second.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void openAiImagesTravelAsAListOfPartsAndPlainTextAsAString() {
        assumeTrue(format() == UpstreamFormat.OPENAI_CHAT, "OpenAI format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"Two cats.\"}", "stop", 800, 3)));
        Message withImages = new Message(
                Role.USER,
                List.of(
                        new ContentPart.Text("What is in these pictures?"),
                        new ContentPart.Image("https://example.com/cat.png", "low"),
                        new ContentPart.Image("data:image/png;base64,iVBORw0KGgo=", null)),
                null,
                List.of(),
                null,
                null,
                Map.of());

        ChatResponse response = provider()
                .chat(request(Message.of(Role.SYSTEM, "Describe images."), withImages)
                        .build());

        assertThat(upstream.lastRequest().json().get("messages")).isEqualTo(json("""
                [{"role":"system","content":"Describe images."},
                 {"role":"user","content":[
                   {"type":"text","text":"What is in these pictures?"},
                   {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}},
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]
                """));
        assertThat(response.message().text()).isEqualTo("Two cats.");
    }

    @Test
    void openAiTextPartsStayApartInsteadOfRunningTogether() {
        assumeTrue(format() == UpstreamFormat.OPENAI_CHAT, "OpenAI format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"ok\"}", "stop", 5, 1)));
        Message twoParts = new Message(
                Role.USER,
                List.of(new ContentPart.Text("Hello"), new ContentPart.Text("world")),
                null,
                List.of(),
                null,
                null,
                Map.of());

        provider().chat(request(twoParts).build());

        assertThat(upstream.lastRequest().json().get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":"world"}]}]
                """));
    }

    @Test
    @SuppressWarnings("unchecked")
    void openAiFieldsChatdDoesNotModelArriveUnchanged() {
        assumeTrue(format() == UpstreamFormat.OPENAI_CHAT, "OpenAI format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"ok\"}", "stop", 5, 1)));
        Map<String, Object> extra = (Map<String, Object>) json("""
                {"provider":{"order":["anthropic","openai"],"allow_fallbacks":false,"sort":"price",
                             "max_price":{"prompt":1.5,"completion":2.50}},
                 "models":["anthropic/claude-3.5-sonnet","openai/gpt-4o"],
                 "reasoning":{"effort":"high","exclude":false},
                 "logprobs":true,
                 "top_logprobs":3,
                 "x_chatd_probe":{"nested":[1,-2.50e3,{"deep":null}],"flag":false,"text":"ünïcødé ✓ \\"q\\""}}
                """);
        Object responseFormat = json("""
                {"type":"json_schema","json_schema":{"name":"answer","strict":true,
                 "schema":{"type":"object","properties":{"ok":{"type":"boolean"}}}}}
                """);
        Map<String, Object> messageExtra = (Map<String, Object>) json("{\"cache_control\":{\"type\":\"ephemeral\"}}");
        Message user = new Message(
                Role.USER, List.of(new ContentPart.Text("Hi")), "alice", List.of(), null, null, messageExtra);

        provider()
                .chat(request(user).responseFormat(responseFormat).extra(extra).build());

        Map<String, Object> sent = upstream.lastRequest().json();
        extra.forEach((field, value) -> assertThat(sent).as("field %s", field).containsEntry(field, value));
        assertThat(sent.get("response_format")).isEqualTo(responseFormat);
        assertThat(sent.get("messages")).isEqualTo(json("""
                [{"role":"user","content":"Hi","name":"alice","cache_control":{"type":"ephemeral"}}]
                """));
    }

    // ---- Anthropic Messages in detail ----

    private static String event(String name, String data) {
        return UpstreamFormat.anthropicEvent(name, data);
    }

    @Test
    void anthropicRequestCarriesKeyVersionMaxTokensAndTheSystemPromptApart() {
        assumeTrue(format() == UpstreamFormat.ANTHROPIC_MESSAGES, "Anthropic format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"Hello\"}", "length", 9, 2)));

        ChatResponse response = provider()
                .chat(request(
                                Message.of(Role.SYSTEM, "Be brief."),
                                Message.of(Role.USER, "Hi"),
                                Message.of(Role.ASSISTANT, "Hello."),
                                Message.of(Role.USER, "Again"))
                        .temperature(0.2)
                        .stop(List.of("END"))
                        .build());

        FakeUpstream.Recorded sent = upstream.lastRequest();
        assertThat(sent.header("x-api-key")).isEqualTo(KEY);
        assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(sent.header("Authorization"))
                .as("Zen ignores a Bearer on /messages")
                .isNull();
        Map<String, Object> body = sent.json();
        assertThat(body.get("model")).isEqualTo(model());
        assertThat((BigDecimal) body.get("max_tokens"))
                .as("Anthropic requires max_tokens")
                .isEqualByComparingTo("4096");
        assertThat(body.get("system")).isEqualTo("Be brief.");
        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Hi"}]},
                 {"role":"assistant","content":[{"type":"text","text":"Hello."}]},
                 {"role":"user","content":[{"type":"text","text":"Again"}]}]
                """));
        assertThat((BigDecimal) body.get("temperature")).isEqualByComparingTo("0.2");
        assertThat(body.get("stop_sequences")).isEqualTo(List.of("END"));
        assertThat(body.get("stream")).isEqualTo(false);
        assertThat(response.message().text()).isEqualTo("Hello");
        assertThat(response.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void anthropicParallelToolCallsComeBackAndTheirResultsGoAsOneUserMessage() {
        assumeTrue(format() == UpstreamFormat.ANTHROPIC_MESSAGES, "Anthropic format only");
        Tool weather = new Tool("get_weather", "Current weather in a city", json("""
                {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}
                """));
        upstream.on("POST", chatPath(), FakeUpstream.json(200, """
                {"id":"msg_01","type":"message","role":"assistant","model":"%s",
                 "content":[{"type":"text","text":"Checking both."},
                  {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Tokyo"}},
                  {"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{"city":"Paris"}}],
                 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":40,"output_tokens":30}}
                """.formatted(replyModel())));
        Message question = Message.of(Role.USER, "Weather in Tokyo and Paris?");
        ChatProvider provider = provider();

        ChatResponse first = provider.chat(
                request(question).tools(List.of(weather)).toolChoice("required").build());

        Map<String, Object> sent = upstream.lastRequest().json();
        assertThat(sent.get("tools")).isEqualTo(json("""
                [{"name":"get_weather","description":"Current weather in a city",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]
                """));
        assertThat(sent.get("tool_choice")).isEqualTo(Map.of("type", "any"));
        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(first.message().text()).isEqualTo("Checking both.");
        assertThat(first.message().toolCalls())
                .containsExactly(
                        new ToolCall("toolu_01A", "get_weather", "{\"city\":\"Tokyo\"}"),
                        new ToolCall("toolu_01B", "get_weather", "{\"city\":\"Paris\"}"));

        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(
                        200, reply("{\"role\":\"assistant\",\"content\":\"21 °C and 14 °C.\"}", "stop", 60, 9)));
        Message tokyo = new Message(
                Role.TOOL,
                List.of(new ContentPart.Text("{\"temp_c\":21}")),
                null,
                List.of(),
                "toolu_01A",
                null,
                Map.of());
        Message paris = new Message(
                Role.TOOL,
                List.of(new ContentPart.Text("{\"temp_c\":14}")),
                null,
                List.of(),
                "toolu_01B",
                null,
                Map.of());

        ChatResponse second = provider.chat(request(question, first.message(), tokyo, paris)
                .tools(List.of(weather))
                .build());

        assertThat(upstream.lastRequest().json().get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Weather in Tokyo and Paris?"}]},
                 {"role":"assistant","content":[{"type":"text","text":"Checking both."},
                   {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Tokyo"}},
                   {"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{"city":"Paris"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01A","content":"{\\"temp_c\\":21}"},
                   {"type":"tool_result","tool_use_id":"toolu_01B","content":"{\\"temp_c\\":14}"}]}]
                """));
        assertThat(second.message().text()).isEqualTo("21 °C and 14 °C.");
        assertThat(second.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void anthropicStreamBringsThinkingWithItsSignatureTextAndAToolCallInPieces() {
        assumeTrue(format() == UpstreamFormat.ANTHROPIC_MESSAGES, "Anthropic format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.sse()
                        .write(event(
                                "message_start",
                                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                                        + "\"role\":\"assistant\",\"model\":\"" + replyModel() + "\",\"content\":[],"
                                        + "\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}"))
                        .write(event(
                                "content_block_start",
                                "{\"type\":\"content_block_start\",\"index\":0,"
                                        + "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}"))
                        .write(event("ping", "{\"type\":\"ping\"}"))
                        .write(event(
                                "content_block_delta",
                                "{\"type\":\"content_block_delta\",\"index\":0,"
                                        + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"The user wants \"}}"))
                        .write(event(
                                "content_block_delta",
                                "{\"type\":\"content_block_delta\",\"index\":0,"
                                        + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"the weather.\"}}"))
                        .write(event(
                                "content_block_delta",
                                "{\"type\":\"content_block_delta\",\"index\":0,"
                                        + "\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM\"}}"))
                        .write(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"))
                        .write(event(
                                "content_block_start",
                                "{\"type\":\"content_block_start\",\"index\":1,"
                                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"))
                        .write(event(
                                "content_block_delta",
                                "{\"type\":\"content_block_delta\",\"index\":1,"
                                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Let me check.\"}}"))
                        .write(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"))
                        .write(event(
                                "content_block_start",
                                "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\","
                                        + "\"id\":\"toolu_01T\",\"name\":\"get_weather\",\"input\":{}}}"))
                        .write(event(
                                "content_block_delta",
                                "{\"type\":\"content_block_delta\",\"index\":2,"
                                        + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}"))
                        .write(
                                event(
                                        "content_block_delta",
                                        "{\"type\":\"content_block_delta\",\"index\":2,"
                                                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}"))
                        .write(event("ping", "{\"type\":\"ping\"}"))
                        .write(
                                event(
                                        "content_block_delta",
                                        "{\"type\":\"content_block_delta\",\"index\":2,"
                                                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Tokyo\\\"}\"}}"))
                        .write(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}"))
                        .write(event(
                                "message_delta",
                                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
                                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}"))
                        .write(event("message_stop", "{\"type\":\"message_stop\"}")));

        List<ChatChunk> chunks = streamAll(request(Message.of(Role.USER, "Weather in Tokyo?"))
                .reasoningEffort("low")
                .build());

        Map<String, Object> sent = upstream.lastRequest().json();
        assertThat(sent.get("stream")).isEqualTo(true);
        assertThat(sent.get("thinking")).isEqualTo(json("{\"type\":\"enabled\",\"budget_tokens\":2048}"));
        StringBuilder reasoning = new StringBuilder();
        StringBuilder text = new StringBuilder();
        StringBuilder arguments = new StringBuilder();
        List<String> signatures = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (ChatChunk chunk : chunks) {
            if (chunk.reasoning() != null) {
                reasoning.append(chunk.reasoning());
            }
            if (chunk.reasoningSignature() != null) {
                signatures.add(chunk.reasoningSignature());
            }
            if (chunk.content() != null) {
                text.append(chunk.content());
            }
            chunk.toolCalls().forEach(d -> {
                assertThat(d.index()).isZero();
                if (d.id() != null) {
                    ids.add(d.id());
                }
                if (d.argumentsFragment() != null) {
                    arguments.append(d.argumentsFragment());
                }
            });
        }
        assertThat(reasoning).hasToString("The user wants the weather.");
        assertThat(signatures).containsExactly("EqQBCgIYAhIM");
        assertThat(text).hasToString("Let me check.");
        assertThat(ids).containsExactly("toolu_01T");
        assertThat(json(arguments.toString())).isEqualTo(Map.of("city", "Tokyo"));
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(last.usage().promptTokens()).isEqualTo(7);
        assertThat(last.usage().completionTokens()).isEqualTo(42);
    }

    @Test
    void anthropicOverloadedErrorMidStreamFailsAsOverloadedAfterTheTextSoFar() {
        assumeTrue(format() == UpstreamFormat.ANTHROPIC_MESSAGES, "Anthropic format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.sse()
                        .write(format().streamStart(replyModel()))
                        .write(format().streamPiece(replyModel()))
                        .write(event(
                                "error",
                                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                                        + "\"message\":\"Overloaded (key " + KEY + ")\"}}")));

        StringBuilder text = new StringBuilder();
        Throwable thrown;
        try (ChatStream stream =
                provider().stream(request(Message.of(Role.USER, "Hi")).build())) {
            thrown = catchThrowable(() -> {
                while (stream.hasNext()) {
                    ChatChunk chunk = stream.next();
                    if (chunk.content() != null) {
                        text.append(chunk.content());
                    }
                }
            });
        }

        assertThat(text).hasToString("tick ");
        assertThat(thrown).isInstanceOf(ChatException.UpstreamOverloaded.class);
        assertThat(thrown.getMessage()).contains("overloaded").doesNotContain(KEY);
    }

    @Test
    void anthropicStreamRefusedWithAnErrorStatusFailsByItsType() {
        assumeTrue(format() == UpstreamFormat.ANTHROPIC_MESSAGES, "Anthropic format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(
                        429,
                        format().error(429, "Number of request tokens has exceeded your rate limit"),
                        "retry-after",
                        "12"));

        Throwable thrown = catchThrowable(
                () -> provider().stream(request(Message.of(Role.USER, "Hi")).build()));

        assertThat(thrown).isInstanceOf(ChatException.RateLimited.class);
        assertThat(((ChatException.RateLimited) thrown).retryAfter()).contains("12");
    }

    // ---- OpenAI Responses in detail ----

    private static String responsesEvent(String type, String data) {
        return UpstreamFormat.responsesEvent(type, data);
    }

    @Test
    void responsesRequestCarriesTheBearerKeyStoreFalseInputItemsAndTheSystemPromptAsInstructions() {
        assumeTrue(format() == UpstreamFormat.OPENAI_RESPONSES, "Responses format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(200, reply("{\"role\":\"assistant\",\"content\":\"Hello\"}", "length", 9, 2)));

        ChatResponse response = provider()
                .chat(request(
                                Message.of(Role.SYSTEM, "Be brief."),
                                Message.of(Role.USER, "Hi"),
                                Message.of(Role.ASSISTANT, "Hello."),
                                Message.of(Role.USER, "Again"))
                        .temperature(0.2)
                        .topP(0.9)
                        .maxTokens(64)
                        .build());

        FakeUpstream.Recorded sent = upstream.lastRequest();
        assertThat(sent.path()).isEqualTo(chatPath());
        assertThat(sent.header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.header("x-api-key")).isNull();
        Map<String, Object> body = sent.json();
        assertThat(body.get("model")).isEqualTo(model());
        assertThat(body.get("instructions")).isEqualTo("Be brief.");
        assertThat(body.get("input")).isEqualTo(json("""
                [{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]},
                 {"type":"message","role":"assistant","content":"Hello."},
                 {"type":"message","role":"user","content":[{"type":"input_text","text":"Again"}]}]
                """));
        assertThat((BigDecimal) body.get("temperature")).isEqualByComparingTo("0.2");
        assertThat((BigDecimal) body.get("top_p")).isEqualByComparingTo("0.9");
        assertThat((BigDecimal) body.get("max_output_tokens")).isEqualByComparingTo("64");
        assertThat(body.get("store")).as("chatd keeps no state upstream either").isEqualTo(false);
        assertThat(body.get("stream")).isEqualTo(false);
        assertThat(body).doesNotContainKeys("messages", "max_tokens", "previous_response_id");
        assertThat(response.message().text()).isEqualTo("Hello");
        assertThat(response.finishReason())
                .as("status incomplete for max_output_tokens")
                .isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void responsesFunctionCallComesBackAndItsResultGoesAsAFunctionCallOutput() {
        assumeTrue(format() == UpstreamFormat.OPENAI_RESPONSES, "Responses format only");
        Tool weather = new Tool("get_weather", "Current weather in a city", json("""
                {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}
                """));
        upstream.on("POST", chatPath(), FakeUpstream.json(200, """
                {"id":"resp_01","object":"response","created_at":1700000000,"status":"completed","model":"%s",
                 "output":[
                  {"type":"function_call","id":"fc_01","call_id":"call_A","name":"get_weather",
                   "arguments":"{\\"city\\":\\"Tokyo\\"}","status":"completed"},
                  {"type":"function_call","id":"fc_02","call_id":"call_B","name":"get_weather",
                   "arguments":"{\\"city\\":\\"Paris\\"}","status":"completed"}],
                 "usage":{"input_tokens":40,"output_tokens":30,"total_tokens":70}}
                """.formatted(replyModel())));
        Message question = Message.of(Role.USER, "Weather in Tokyo and Paris?");
        ChatProvider provider = provider();

        ChatResponse first = provider.chat(
                request(question).tools(List.of(weather)).toolChoice("required").build());

        Map<String, Object> sent = upstream.lastRequest().json();
        assertThat(sent.get("tools")).isEqualTo(json("""
                [{"type":"function","name":"get_weather","description":"Current weather in a city",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
                  "strict":false}]
                """));
        assertThat(sent.get("tool_choice")).isEqualTo("required");
        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(first.message().toolCalls())
                .containsExactly(
                        new ToolCall("call_A", "get_weather", "{\"city\":\"Tokyo\"}"),
                        new ToolCall("call_B", "get_weather", "{\"city\":\"Paris\"}"));

        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.json(
                        200, reply("{\"role\":\"assistant\",\"content\":\"21 °C and 14 °C.\"}", "stop", 60, 9)));
        Message tokyo = new Message(
                Role.TOOL, List.of(new ContentPart.Text("{\"temp_c\":21}")), null, List.of(), "call_A", null, Map.of());
        Message paris = new Message(
                Role.TOOL, List.of(new ContentPart.Text("{\"temp_c\":14}")), null, List.of(), "call_B", null, Map.of());

        ChatResponse second = provider.chat(request(question, first.message(), tokyo, paris)
                .tools(List.of(weather))
                .build());

        // The upstream's own items go back as they came, ids and status included.
        assertThat(upstream.lastRequest().json().get("input")).isEqualTo(json("""
                [{"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Tokyo and Paris?"}]},
                 {"type":"function_call","id":"fc_01","call_id":"call_A","name":"get_weather",
                  "arguments":"{\\"city\\":\\"Tokyo\\"}","status":"completed"},
                 {"type":"function_call","id":"fc_02","call_id":"call_B","name":"get_weather",
                  "arguments":"{\\"city\\":\\"Paris\\"}","status":"completed"},
                 {"type":"function_call_output","call_id":"call_A","output":"{\\"temp_c\\":21}"},
                 {"type":"function_call_output","call_id":"call_B","output":"{\\"temp_c\\":14}"}]
                """));
        assertThat(second.message().text()).isEqualTo("21 °C and 14 °C.");
        assertThat(second.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void responsesStreamBringsTheReasoningSummaryTextAndAFunctionCallInPieces() {
        assumeTrue(format() == UpstreamFormat.OPENAI_RESPONSES, "Responses format only");
        String created = "{\"id\":\"resp_01\",\"object\":\"response\",\"created_at\":1700000000,"
                + "\"status\":\"in_progress\",\"model\":\"" + replyModel() + "\",\"output\":[]}";
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.sse()
                        .write(responsesEvent(
                                "response.created", "{\"type\":\"response.created\",\"response\":" + created + "}"))
                        .write(responsesEvent(
                                "response.output_item.added",
                                "{\"type\":\"response.output_item.added\",\"output_index\":0,"
                                        + "\"item\":{\"type\":\"reasoning\",\"id\":\"rs_01\",\"summary\":[]}}"))
                        .write(responsesEvent(
                                "response.reasoning_summary_part.added",
                                "{\"type\":\"response.reasoning_summary_part.added\",\"item_id\":\"rs_01\","
                                        + "\"output_index\":0,\"summary_index\":0,"
                                        + "\"part\":{\"type\":\"summary_text\",\"text\":\"\"}}"))
                        .write(responsesEvent(
                                "response.reasoning_summary_text.delta",
                                "{\"type\":\"response.reasoning_summary_text.delta\",\"item_id\":\"rs_01\","
                                        + "\"output_index\":0,\"summary_index\":0,\"delta\":\"The user wants \"}"))
                        .write(responsesEvent(
                                "response.reasoning_summary_text.delta",
                                "{\"type\":\"response.reasoning_summary_text.delta\",\"item_id\":\"rs_01\","
                                        + "\"output_index\":0,\"summary_index\":0,\"delta\":\"the weather.\"}"))
                        .write(responsesEvent(
                                "response.output_item.done",
                                "{\"type\":\"response.output_item.done\",\"output_index\":0,"
                                        + "\"item\":{\"type\":\"reasoning\",\"id\":\"rs_01\",\"summary\":"
                                        + "[{\"type\":\"summary_text\",\"text\":\"The user wants the weather.\"}]}}"))
                        .write(responsesEvent(
                                "response.output_item.added",
                                "{\"type\":\"response.output_item.added\",\"output_index\":1,"
                                        + "\"item\":{\"type\":\"function_call\",\"id\":\"fc_01\",\"call_id\":\"call_T\","
                                        + "\"name\":\"get_weather\",\"arguments\":\"\",\"status\":\"in_progress\"}}"))
                        .write(responsesEvent(
                                "response.function_call_arguments.delta",
                                "{\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_01\","
                                        + "\"output_index\":1,\"delta\":\"{\\\"city\\\": \"}"))
                        .write(responsesEvent(
                                "response.function_call_arguments.delta",
                                "{\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_01\","
                                        + "\"output_index\":1,\"delta\":\"\\\"Tokyo\\\"}\"}"))
                        .write(responsesEvent(
                                "response.function_call_arguments.done",
                                "{\"type\":\"response.function_call_arguments.done\",\"item_id\":\"fc_01\","
                                        + "\"output_index\":1,\"arguments\":\"{\\\"city\\\": \\\"Tokyo\\\"}\"}"))
                        .write(responsesEvent(
                                "response.output_item.done",
                                "{\"type\":\"response.output_item.done\",\"output_index\":1,"
                                        + "\"item\":{\"type\":\"function_call\",\"id\":\"fc_01\",\"call_id\":\"call_T\","
                                        + "\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\": \\\"Tokyo\\\"}\","
                                        + "\"status\":\"completed\"}}"))
                        .write(responsesEvent(
                                "response.completed",
                                "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_01\","
                                        + "\"object\":\"response\",\"status\":\"completed\",\"model\":\""
                                        + replyModel() + "\",\"output\":[],\"usage\":{\"input_tokens\":7,"
                                        + "\"output_tokens\":42,\"total_tokens\":49,"
                                        + "\"output_tokens_details\":{\"reasoning_tokens\":30}}}}")));

        List<ChatChunk> chunks = streamAll(request(Message.of(Role.USER, "Weather in Tokyo?"))
                .reasoningEffort("low")
                .build());

        Map<String, Object> sent = upstream.lastRequest().json();
        assertThat(sent.get("stream")).isEqualTo(true);
        assertThat(sent.get("store")).isEqualTo(false);
        assertThat(sent.get("reasoning")).isEqualTo(json("{\"effort\":\"low\"}"));
        StringBuilder reasoning = new StringBuilder();
        List<String> pieces = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ChatChunk chunk : chunks) {
            if (chunk.reasoning() != null) {
                reasoning.append(chunk.reasoning());
            }
            assertThat(chunk.content()).as("no text in this answer").isNull();
            chunk.toolCalls().forEach(d -> {
                assertThat(d.index()).isZero();
                if (d.id() != null) {
                    ids.add(d.id());
                }
                if (d.name() != null) {
                    names.add(d.name());
                }
                if (d.argumentsFragment() != null) {
                    pieces.add(d.argumentsFragment());
                }
            });
        }
        assertThat(reasoning).hasToString("The user wants the weather.");
        assertThat(ids).containsExactly("call_T");
        assertThat(names).containsExactly("get_weather");
        assertThat(pieces)
                .as("the arguments in their pieces, not again whole from .done")
                .containsExactly("{\"city\": ", "\"Tokyo\"}");
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(last.usage().promptTokens()).isEqualTo(7);
        assertThat(last.usage().completionTokens()).isEqualTo(42);
    }

    @Test
    void responsesIncompleteStreamEndsWithLength() {
        assumeTrue(format() == UpstreamFormat.OPENAI_RESPONSES, "Responses format only");
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.sse()
                        .write(format().streamStart(replyModel()))
                        .write(format().streamPiece(replyModel()))
                        .write(
                                responsesEvent(
                                        "response.incomplete",
                                        "{\"type\":\"response.incomplete\",\"response\":{\"id\":\"resp_01\","
                                                + "\"object\":\"response\",\"status\":\"incomplete\","
                                                + "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"output\":[],"
                                                + "\"usage\":{\"input_tokens\":7,\"output_tokens\":16,\"total_tokens\":23}}}")));

        List<ChatChunk> chunks =
                streamAll(request(Message.of(Role.USER, "Hi")).maxTokens(16).build());

        assertThat(upstream.lastRequest().json().get("max_output_tokens")).isEqualTo(BigDecimal.valueOf(16));
        assertThat(chunks.get(0).content()).isEqualTo("tick ");
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(last.usage().completionTokens()).isEqualTo(16);
    }

    @Test
    void responsesFailedMidStreamFailsAfterTheTextSoFarWithoutTheKey() {
        assumeTrue(format() == UpstreamFormat.OPENAI_RESPONSES, "Responses format only");
        Throwable thrown = midStreamFailure(responsesEvent(
                "response.failed",
                "{\"type\":\"response.failed\",\"response\":{\"id\":\"resp_01\",\"object\":\"response\","
                        + "\"status\":\"failed\",\"output\":[],\"error\":{\"code\":\"server_error\","
                        + "\"message\":\"The model crashed (key " + KEY + ")\"}}}"));

        assertThat(thrown).isInstanceOf(ChatException.UpstreamFailure.class);
        assertThat(thrown.getMessage()).contains("The model crashed").doesNotContain(KEY);
    }

    @Test
    void responsesErrorEventMidStreamFailsByItsCode() {
        assumeTrue(format() == UpstreamFormat.OPENAI_RESPONSES, "Responses format only");
        Throwable limited = midStreamFailure(responsesEvent(
                "error",
                "{\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down\",\"param\":null}"));
        Throwable other = midStreamFailure(responsesEvent(
                "error",
                "{\"type\":\"error\",\"code\":\"server_error\",\"message\":\"Oops " + KEY + "\",\"param\":null}"));

        assertThat(limited).isInstanceOf(ChatException.RateLimited.class);
        assertThat(limited.getMessage()).contains("Slow down");
        assertThat(other).isInstanceOf(ChatException.UpstreamFailure.class);
        assertThat(other.getMessage()).contains("server_error").contains("Oops").doesNotContain(KEY);
    }

    /** Streams one piece of text then {@code failure}; the text must have arrived before the exception. */
    private Throwable midStreamFailure(String failure) {
        upstream.on(
                "POST",
                chatPath(),
                FakeUpstream.sse()
                        .write(format().streamStart(replyModel()))
                        .write(format().streamPiece(replyModel()))
                        .write(failure));
        StringBuilder text = new StringBuilder();
        Throwable thrown;
        try (ChatStream stream =
                provider().stream(request(Message.of(Role.USER, "Hi")).build())) {
            thrown = catchThrowable(() -> {
                while (stream.hasNext()) {
                    ChatChunk chunk = stream.next();
                    if (chunk.content() != null) {
                        text.append(chunk.content());
                    }
                }
            });
        }
        assertThat(text).hasToString("tick ");
        return thrown;
    }

    /** A usage with its cost compared by value, not by scale. */
    protected static void assertCost(Usage usage, String expected) {
        assertThat(usage.cost()).as("usage cost").isNotNull();
        assertThat(usage.cost()).isEqualByComparingTo(expected);
    }
}
