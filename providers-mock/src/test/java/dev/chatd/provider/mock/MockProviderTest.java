package dev.chatd.provider.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.stream.ToolCallAssembler;
import dev.chatd.tck.TestProviderContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MockProviderTest {
    private final MockProviderFactory factory = new MockProviderFactory();
    private final ChatProvider mock = factory.create(
                    TestProviderContext.of("mock", factory.defaults().baseUrl(), (String) null))
            .orElseThrow();

    private static final Tool WEATHER = new Tool(
            "get_weather",
            "The weather in a city",
            Map.of(
                    "type", "object",
                    "properties",
                            Map.of(
                                    "city", Map.of("type", "string"),
                                    "unit", Map.of("type", "string", "enum", List.of("celsius", "fahrenheit")),
                                    "days", Map.of("type", "integer", "minimum", 3)),
                    "required", List.of("city", "unit", "days")));

    private static ChatRequest request(String model, List<Tool> tools, Message... messages) {
        return ChatRequest.builder()
                .model(model)
                .messages(List.of(messages))
                .tools(tools)
                .build();
    }

    private static List<ChatChunk> drain(ChatStream stream) {
        List<ChatChunk> chunks = new ArrayList<>();
        try (stream) {
            stream.forEachRemaining(chunks::add);
        }
        return chunks;
    }

    @Test
    void isFoundByServiceLoaderWithoutAKeyAndClaimsNoBareName() {
        assertThat(ServiceLoader.load(ChatProviderFactory.class).stream()
                        .map(ServiceLoader.Provider::get)
                        .map(ChatProviderFactory::name))
                .contains("mock");
        assertThat(factory.defaults().needsKey()).isFalse();
        assertThat(factory.spiVersion()).isEqualTo(ChatProviderFactory.SPI_VERSION);
        assertThat(factory.claim("echo")).isEmpty();
        assertThat(factory.claim("llama3.2")).isEmpty();
        assertThat(mock.available()).isTrue();
    }

    @Test
    void echoAnswersWithTheLastUserMessageAndCountsWords() {
        ChatResponse reply = mock.chat(request(
                "echo",
                List.of(),
                Message.of(Role.SYSTEM, "Be brief."),
                Message.of(Role.USER, "first question"),
                Message.of(Role.ASSISTANT, "an answer"),
                Message.of(Role.USER, "Say  hello to\tthe world")));

        assertThat(reply.message().text()).isEqualTo("Say  hello to\tthe world");
        assertThat(reply.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(reply.usage()).isEqualTo(Usage.of(11, 5));
        assertThat(reply.model()).isEqualTo("echo");
    }

    @Test
    void echoStreamsOneWordAChunkWithItsFollowingBlanksThenUsage() {
        List<ChatChunk> chunks =
                drain(mock.stream(request("echo", List.of(), Message.of(Role.USER, " Say  hello to\tthe world\n"))));

        assertThat(chunks.subList(0, chunks.size() - 1))
                .extracting(ChatChunk::content)
                .containsExactly(" Say  ", "hello ", "to\t", "the ", "world\n");
        ChatChunk last = chunks.getLast();
        assertThat(last.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(last.usage()).isEqualTo(Usage.of(5, 5));
    }

    @Test
    void theSameRequestGetsTheSameChunksEveryTime() {
        ChatRequest request = request("tool", List.of(WEATHER), Message.of(Role.USER, "Weather?"));

        assertThat(drain(mock.stream(request))).isEqualTo(drain(mock.stream(request)));
        assertThat(mock.chat(request)).isEqualTo(mock.chat(request));
    }

    @Test
    void toolCallsTheFirstToolWithArgumentsValidAgainstItsSchema() {
        Tool other = new Tool("other", null, Map.of("type", "object"));
        ChatResponse reply = mock.chat(request("tool", List.of(WEATHER, other), Message.of(Role.USER, "Weather?")));

        assertThat(reply.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(reply.message().toolCalls()).hasSize(1);
        ToolCall call = reply.message().toolCalls().getFirst();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.id()).isEqualTo("call_mock_1");
        assertThat(JsonCodec.parse(call.arguments()))
                .isEqualTo(Map.of("city", "example", "unit", "celsius", "days", new java.math.BigDecimal("3")));
        assertThat(reply.usage().promptTokens()).isEqualTo(1);
    }

    @Test
    void toolStreamsTheCallAsDeltasThatAddUpToTheWholeCall() {
        ChatRequest request = request("tool", List.of(WEATHER), Message.of(Role.USER, "Weather?"));
        List<ChatChunk> chunks = drain(mock.stream(request));

        assertThat(chunks.getFirst().toolCalls().getFirst().id()).isEqualTo("call_mock_1");
        assertThat(chunks.getFirst().toolCalls().getFirst().name()).isEqualTo("get_weather");
        ToolCallAssembler assembled = new ToolCallAssembler();
        chunks.forEach(chunk -> assembled.add(chunk.toolCalls()));
        assertThat(assembled.calls()).isEqualTo(mock.chat(request).message().toolCalls());
        assertThat(chunks.getLast().finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    }

    @Test
    void toolReportsTheResultOnceItComesBack() {
        ToolCall call = new ToolCall("call_mock_1", "get_weather", "{\"city\":\"example\"}");
        ChatResponse reply = mock.chat(request(
                "tool",
                List.of(WEATHER),
                Message.of(Role.USER, "Weather?"),
                new Message(Role.ASSISTANT, List.of(), null, List.of(call), null, null, Map.of()),
                new Message(
                        Role.TOOL,
                        List.of(new dev.chatd.api.ContentPart.Text("{\"temp\":21}")),
                        null,
                        List.of(),
                        "call_mock_1",
                        null,
                        Map.of())));

        assertThat(reply.message().text()).isEqualTo("The tool returned: {\"temp\":21}");
        assertThat(reply.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(reply.message().toolCalls()).isEmpty();
    }

    @Test
    void toolWithoutToolsIsABadRequestThatSaysWhy() {
        Throwable thrown = catchThrowable(() -> mock.stream(request("tool", List.of(), Message.of(Role.USER, "Hi"))));

        assertThat(thrown)
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("mock/tool answers only a request that offers tools");
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 408, 422, 429, 500, 502, 503, 504, 599})
    void errorStatusFailsAsAnUpstreamWithThatStatusWould(int status) {
        ChatRequest request = request("error-" + status, List.of(), Message.of(Role.USER, "Hi"));

        Throwable chat = catchThrowable(() -> mock.chat(request));
        Throwable stream = catchThrowable(() -> mock.stream(request));

        Class<? extends ChatException> expected = switch (status) {
            case 400, 422 -> ChatException.UpstreamBadRequest.class;
            case 401, 403 -> ChatException.UpstreamAuth.class;
            case 404 -> ChatException.ModelNotFound.class;
            case 408, 504 -> ChatException.UpstreamTimeout.class;
            case 429 -> ChatException.RateLimited.class;
            default -> ChatException.UpstreamFailure.class;
        };
        assertThat(chat).isInstanceOf(expected).hasMessageContaining("mock/error-" + status);
        assertThat(stream).isInstanceOf(expected);
        if (chat instanceof ChatException.RateLimited limited) {
            assertThat(limited.retryAfter()).contains("1");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nosuch", "error-200", "error-600", "error-42", "Echo", "echo "})
    void anUnknownModelIsNotFoundAndListsTheMockModels(String model) {
        Throwable thrown = catchThrowable(() -> mock.chat(request(model, List.of(), Message.of(Role.USER, "Hi"))));

        assertThat(thrown)
                .isInstanceOf(ChatException.ModelNotFound.class)
                .hasMessageContaining("'" + model + "'")
                .hasMessageContaining("mock/echo, mock/tool and mock/error-<status>");
    }

    @Test
    void modelsListsEchoToolAndErrorExamples() {
        assertThat(mock.models())
                .extracting(ModelInfo::id)
                .contains("echo", "tool", "error-429", "error-500", "error-404")
                .allMatch(id -> id.equals("echo") || id.equals("tool") || id.matches("error-[45][0-9][0-9]"));
    }

    @Test
    void everyChoiceAskedForComesBackWholeAndStreamedByIndex() {
        ChatRequest request = ChatRequest.builder()
                .model("echo")
                .addMessage(Message.of(Role.USER, "Say hi"))
                .n(3)
                .build();

        ChatResponse whole = mock.chat(request);
        assertThat(whole.choices())
                .hasSize(3)
                .allSatisfy(choice -> assertThat(choice.message().text()).isEqualTo("Say hi"));
        assertThat(whole.usage()).isEqualTo(Usage.of(2, 6));

        List<ChatChunk> chunks = drain(mock.stream(request));
        for (int index = 0; index < 3; index++) {
            int i = index;
            assertThat(chunks.stream()
                            .filter(chunk -> chunk.index() == i && chunk.content() != null)
                            .map(ChatChunk::content))
                    .containsExactly("Say ", "hi");
            assertThat(chunks)
                    .filteredOn(chunk -> chunk.index() == i && chunk.finishReason() != null)
                    .hasSize(1);
        }
        assertThat(chunks).filteredOn(ChatChunk::isFinal).containsExactly(chunks.getLast());
        assertThat(chunks.getLast().usage()).isEqualTo(Usage.of(2, 6));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 129})
    void aChoiceCountOutOfRangeIsABadRequest(int n) {
        ChatRequest request = ChatRequest.builder()
                .model("echo")
                .addMessage(Message.of(Role.USER, "Hi"))
                .n(n)
                .build();

        assertThat(catchThrowable(() -> mock.chat(request)))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessageContaining("n is " + n);
    }
}
