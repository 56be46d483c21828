package dev.chatd.server;

import static dev.chatd.server.ToolCallingUpstreams.FINAL;
import static dev.chatd.server.ToolCallingUpstreams.ISSUED_ID;
import static dev.chatd.server.ToolCallingUpstreams.lastBody;
import static dev.chatd.server.ToolCallingUpstreams.messages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.server.ToolCallingUpstreams.Upstream;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.JsonText;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Drives the packaged chatd, run as a real process, with LangChain4j's unmodified clients:
 * {@code OpenAiChatModel} and {@code OpenAiStreamingChatModel} pointed at chatd's {@code /v1},
 * {@code OllamaChatModel} and {@code OllamaStreamingChatModel} at its root. Each does a chat, a
 * stream and a tool-call round trip (the model calls {@code get_weather}, the test sends the
 * result back as a {@link ToolExecutionResultMessage} and gets the final text) through an Ollama
 * upstream that sends tool calls without ids and through an OpenAI-format one
 * ({@link ToolCallingUpstreams}); the upstreams' side of each round trip is checked too.
 */
class LangChain4jIT {
    /** Held so the level set on it stays (JUL keeps loggers weakly); LangChain4j logs through SLF4J to JUL. */
    private static final Logger LANGCHAIN4J = Logger.getLogger("dev.langchain4j");

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String QUESTION = "What is the weather in Tokyo?";
    private static final String RESULT = "sunny, 21 °C";
    private static final ToolSpecification GET_WEATHER = ToolSpecification.builder()
            .name("get_weather")
            .description("The current weather in a city")
            .parameters(JsonObjectSchema.builder()
                    .addStringProperty("city")
                    .required("city")
                    .build())
            .build();

    @TempDir
    static Path dir;

    private static FakeUpstream ollama;
    private static FakeUpstream openAi;
    private static ChatdProcess chatd;
    private static String chatdUrl;

    /** One chatd for every case: the fakes answer by the conversation, not by the test. */
    @BeforeAll
    static void start() throws Exception {
        LANGCHAIN4J.setLevel(Level.WARNING);
        ollama = ToolCallingUpstreams.ollamaWithoutIds();
        openAi = ToolCallingUpstreams.openAiFormat();
        chatd = ChatdProcess.start(
                ChatdProcess.jar(),
                dir,
                """
                server:
                  host: 127.0.0.1
                  port: 0
                chatd:
                  providers:
                    ollama:
                      base-url: %s
                    ollama_cloud:
                      key-file: ""
                    openrouter:
                      base-url: %s
                      key-file: ""
                    opencode:
                      key-file: ""
                """.formatted(ollama.baseUrl(), openAi.baseUrl()),
                Map.of("OPENROUTER_API_KEY", "sk-or-dummy"));
        chatdUrl = "http://127.0.0.1:" + chatd.port();
    }

    @AfterAll
    static void stop() {
        if (chatd != null) {
            chatd.close();
        }
        if (ollama != null) {
            ollama.close();
        }
        if (openAi != null) {
            openAi.close();
        }
    }

    // ---- LangChain4j's OpenAI clients, at /v1 ----

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void openAiChatModelChats(Upstream upstream) {
        assertGreets(upstream, openAi(upstream).chat(greetingRequest()));
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void openAiStreamingChatModelStreams(Upstream upstream) {
        assertStreamsGreeting(upstream, stream(openAiStreaming(upstream), greetingRequest()));
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void openAiChatModelRoundTripsAToolCall(Upstream upstream) {
        assertToolRoundTrip(upstream, true, openAi(upstream)::chat);
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void openAiStreamingChatModelRoundTripsAToolCall(Upstream upstream) {
        OpenAiStreamingChatModel model = openAiStreaming(upstream);
        assertToolRoundTrip(upstream, true, request -> stream(model, request).response());
    }

    // ---- LangChain4j's Ollama clients, at the root ----

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void ollamaChatModelChats(Upstream upstream) {
        assertGreets(upstream, ollama(upstream).chat(greetingRequest()));
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void ollamaStreamingChatModelStreams(Upstream upstream) {
        assertStreamsGreeting(upstream, stream(ollamaStreaming(upstream), greetingRequest()));
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void ollamaChatModelRoundTripsAToolCall(Upstream upstream) {
        assertToolRoundTrip(upstream, false, ollama(upstream)::chat);
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void ollamaStreamingChatModelRoundTripsAToolCall(Upstream upstream) {
        OllamaStreamingChatModel model = ollamaStreaming(upstream);
        assertToolRoundTrip(upstream, false, request -> stream(model, request).response());
    }

    // ---- what every client must get ----

    private static ChatRequest greetingRequest() {
        return ChatRequest.builder().messages(UserMessage.from("Say hello")).build();
    }

    private static void assertGreets(Upstream upstream, ChatResponse response) {
        assertThat(response.aiMessage().text()).isEqualTo(upstream.greeting());
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(upstream.inputTokens);
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(upstream.outputTokens);
        assertThat(lastBody(fake(upstream), path(upstream))).containsEntry("model", upstream.upstreamModel);
    }

    private static void assertStreamsGreeting(Upstream upstream, Streamed streamed) {
        assertThat(streamed.pieces()).as("streamed in pieces").hasSizeGreaterThan(1);
        assertThat(String.join("", streamed.pieces())).isEqualTo(upstream.greeting());
        assertGreets(upstream, streamed.response());
    }

    /**
     * The model calls {@code get_weather}; its result goes back as a {@link ToolExecutionResultMessage};
     * the model answers with {@link ToolCallingUpstreams#FINAL}. OpenAI's protocol matches a
     * result to its call by id, so a client speaking it must get one ({@code openAiProtocol}).
     */
    private static void assertToolRoundTrip(
            Upstream upstream, boolean openAiProtocol, Function<ChatRequest, ChatResponse> chat) {
        UserMessage question = UserMessage.from(QUESTION);
        ChatResponse call = chat.apply(ChatRequest.builder()
                .messages(question)
                .toolSpecifications(GET_WEATHER)
                .build());

        assertThat(call.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(call.aiMessage().toolExecutionRequests()).hasSize(1);
        ToolExecutionRequest request = call.aiMessage().toolExecutionRequests().get(0);
        assertThat(request.name()).isEqualTo("get_weather");
        assertThat(JsonText.parse(request.arguments())).isEqualTo(Map.of("city", "Tokyo"));

        ChatResponse answer = chat.apply(ChatRequest.builder()
                .messages(question, call.aiMessage(), ToolExecutionResultMessage.from(request, RESULT))
                .toolSpecifications(GET_WEATHER)
                .build());

        assertThat(answer.aiMessage().text()).isEqualTo(FINAL);
        assertThat(answer.finishReason()).isEqualTo(FinishReason.STOP);
        if (openAiProtocol) {
            // Without one LangChain4j falls back to OpenAI's legacy role "function".
            assertThat(request.id()).as("the tool call's id").isNotBlank();
        }
        if (upstream == Upstream.OPENAI_FORMAT) {
            assertThat(request.id()).as("the upstream's id for the call").isEqualTo(ISSUED_ID);
            assertOpenAiUpstreamGotTheResult();
        } else {
            assertOllamaUpstreamGotTheResult();
        }
    }

    /** Ollama matches a result to its call by the function's name: {@code tool_name}. */
    @SuppressWarnings("unchecked")
    private static void assertOllamaUpstreamGotTheResult() {
        Map<String, Object> body = lastBody(ollama, "/api/chat");
        assertThat(body).containsEntry("model", Upstream.OLLAMA_WITHOUT_IDS.upstreamModel);
        List<Map<String, Object>> messages = messages(body);
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0)).containsEntry("role", "user").containsEntry("content", QUESTION);
        assertThat(messages.get(1)).containsEntry("role", "assistant");
        List<Map<String, Object>> calls =
                (List<Map<String, Object>>) messages.get(1).get("tool_calls");
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).get("function"))
                .isEqualTo(Map.of("name", "get_weather", "arguments", Map.of("city", "Tokyo")));
        assertThat(messages.get(2))
                .containsEntry("role", "tool")
                .containsEntry("content", RESULT)
                .containsEntry("tool_name", "get_weather");
    }

    /** OpenAI matches a result to its call by id: {@code tool_call_id}, the one the upstream issued. */
    @SuppressWarnings("unchecked")
    private static void assertOpenAiUpstreamGotTheResult() {
        Map<String, Object> body = lastBody(openAi, "/chat/completions");
        assertThat(body).containsEntry("model", Upstream.OPENAI_FORMAT.upstreamModel);
        List<Map<String, Object>> messages = messages(body);
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0)).containsEntry("role", "user").containsEntry("content", QUESTION);
        assertThat(messages.get(1)).containsEntry("role", "assistant");
        List<Map<String, Object>> calls =
                (List<Map<String, Object>>) messages.get(1).get("tool_calls");
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)).containsEntry("id", ISSUED_ID).containsEntry("type", "function");
        Map<String, Object> function = (Map<String, Object>) calls.get(0).get("function");
        assertThat(function).containsEntry("name", "get_weather");
        assertThat(JsonText.parse((String) function.get("arguments"))).isEqualTo(Map.of("city", "Tokyo"));
        assertThat(messages.get(2))
                .containsEntry("role", "tool")
                .containsEntry("tool_call_id", ISSUED_ID)
                .containsEntry("content", RESULT);
    }

    // ---- clients ----

    private static OpenAiChatModel openAi(Upstream upstream) {
        return OpenAiChatModel.builder()
                .baseUrl(chatdUrl + "/v1")
                .apiKey("unused")
                .modelName(upstream.model)
                .timeout(TIMEOUT)
                .maxRetries(0)
                .build();
    }

    private static OpenAiStreamingChatModel openAiStreaming(Upstream upstream) {
        return OpenAiStreamingChatModel.builder()
                .baseUrl(chatdUrl + "/v1")
                .apiKey("unused")
                .modelName(upstream.model)
                .timeout(TIMEOUT)
                .build();
    }

    private static OllamaChatModel ollama(Upstream upstream) {
        return OllamaChatModel.builder()
                .baseUrl(chatdUrl)
                .modelName(upstream.model)
                .timeout(TIMEOUT)
                .maxRetries(0)
                .build();
    }

    private static OllamaStreamingChatModel ollamaStreaming(Upstream upstream) {
        return OllamaStreamingChatModel.builder()
                .baseUrl(chatdUrl)
                .modelName(upstream.model)
                .timeout(TIMEOUT)
                .build();
    }

    private static FakeUpstream fake(Upstream upstream) {
        return upstream == Upstream.OLLAMA_WITHOUT_IDS ? ollama : openAi;
    }

    private static String path(Upstream upstream) {
        return upstream == Upstream.OLLAMA_WITHOUT_IDS ? "/api/chat" : "/chat/completions";
    }

    /** What a streaming model handed over: its text pieces as they came, then the whole response. */
    private record Streamed(List<String> pieces, ChatResponse response) {}

    /** Runs a streaming chat to its end; an error the client reports fails the test with that error. */
    private static Streamed stream(StreamingChatModel model, ChatRequest request) {
        List<String> pieces = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String piece) {
                pieces.add(piece);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        try {
            ChatResponse response = done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new Streamed(List.copyOf(pieces), response);
        } catch (ExecutionException e) {
            throw new AssertionError("the stream failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("the stream did not end", e);
        }
    }
}
