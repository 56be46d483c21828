package dev.chatd.provider.mock;

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
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.kit.json.JsonCodec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock models, answered in-process. Everything is a function of the request: the same
 * request gets the same answer, chunks and usage every time. A token is a word here (a run of
 * non-blank characters), which is all a test needs from usage figures.
 */
final class MockProvider implements ChatProvider {
    private static final Pattern WORD = Pattern.compile("\\S+");
    /** A word with the blanks after it; the first also takes any blanks before it. */
    private static final Pattern PIECE = Pattern.compile("\\s*\\S+\\s*");
    /** As many choices as OpenAI gives at most. */
    private static final int MAX_CHOICES = 128;

    private final String name;

    MockProvider(String name) {
        this.name = name;
    }

    /**
     * The whole answer, before it is handed over whole or in chunks.
     *
     * @param completionWords the words of one choice
     */
    private record Answer(String text, ToolCall call, int promptWords, int completionWords) {
        FinishReason finish() {
            return call == null ? FinishReason.STOP : FinishReason.TOOL_CALLS;
        }

        Message message() {
            return call == null
                    ? Message.of(Role.ASSISTANT, text)
                    : new Message(Role.ASSISTANT, List.of(), null, List.of(call), null, null, Map.of());
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The same answer {@code n} times: every choice asked for, never a silent single one. */
    @Override
    public ChatResponse chat(ChatRequest request) {
        int choices = choices(request);
        Answer answer = answer(request);
        return new ChatResponse(
                null,
                request.model(),
                Collections.nCopies(choices, new ChatResponse.Choice(answer.message(), answer.finish(), null)),
                usage(answer, choices));
    }

    /** Fails, like a real upstream, before the first chunk: the caller still gets a proper HTTP status. */
    @Override
    public ChatStream stream(ChatRequest request) {
        int choices = choices(request);
        Answer answer = answer(request);
        List<ChatChunk> chunks = new ArrayList<>();
        for (Piece piece : pieces(answer)) {
            for (int index = 0; index < choices; index++) {
                chunks.add(new ChatChunk(piece.text(), null, piece.toolCalls(), null, null, index, null));
            }
        }
        // The other choices end before the first, whose finish ends the stream.
        for (int index = 1; index < choices; index++) {
            chunks.add(new ChatChunk(null, null, List.of(), answer.finish(), null, index, null));
        }
        chunks.add(ChatChunk.finish(answer.finish(), usage(answer, choices)));
        return ChatStream.of(chunks);
    }

    /** One chunk's worth of a choice. */
    private record Piece(String text, List<ToolCallDelta> toolCalls) {}

    private static List<Piece> pieces(Answer answer) {
        List<Piece> pieces = new ArrayList<>();
        if (answer.call() != null) {
            ToolCall call = answer.call();
            // As OpenAI streams a call: id and name first, then the arguments.
            pieces.add(new Piece(null, List.of(new ToolCallDelta(0, call.id(), call.name(), ""))));
            pieces.add(new Piece(null, List.of(new ToolCallDelta(0, null, null, call.arguments()))));
            return pieces;
        }
        Matcher piece = PIECE.matcher(answer.text());
        while (piece.find()) {
            pieces.add(new Piece(piece.group(), List.of()));
        }
        if (pieces.isEmpty() && !answer.text().isEmpty()) {
            pieces.add(new Piece(answer.text(), List.of())); // blanks only
        }
        return pieces;
    }

    private int choices(ChatRequest request) {
        Integer n = request.n();
        if (n != null && (n < 1 || n > MAX_CHOICES)) {
            throw new ChatException.InvalidRequest(name + " gives from 1 to " + MAX_CHOICES + " choices; n is " + n);
        }
        return n == null ? 1 : n;
    }

    private static Usage usage(Answer answer, int choices) {
        return Usage.of(answer.promptWords(), answer.completionWords() * choices);
    }

    private Answer answer(ChatRequest request) {
        return switch (MockModel.of(name, request.model())) {
            case MockModel.Echo echo -> text(request, lastUserText(request));
            case MockModel.ToolCaller tool -> toolTurn(request);
            case MockModel.Failing failing -> throw failing.error(name);
        };
    }

    private static String lastUserText(ChatRequest request) {
        for (Message message : request.messages().reversed()) {
            if (message.role() == Role.USER) {
                return message.text();
            }
        }
        return "";
    }

    /**
     * A call of the first tool, or, once the last message is a tool's result, a text that
     * reports it. Without tools the request is refused: a test that forgot them should fail
     * loudly rather than get a text it might take for the model's.
     */
    private Answer toolTurn(ChatRequest request) {
        Message last = request.messages().isEmpty() ? null : request.messages().getLast();
        if (last != null && last.role() == Role.TOOL) {
            return text(request, "The tool returned: " + last.text());
        }
        if (request.tools().isEmpty()) {
            throw new ChatException.InvalidRequest(name + "/tool answers only a request that offers tools (it calls the"
                    + " first one), or whose last message is a tool's result; this one has neither");
        }
        Tool tool = request.tools().getFirst();
        String arguments = JsonCodec.writeString(SchemaExample.ofParameters(tool.parameters()));
        // Stable for one request and different for each turn of a conversation, as real ids are.
        ToolCall call = new ToolCall("call_mock_" + request.messages().size(), tool.name(), arguments);
        return new Answer(null, call, promptWords(request), words(tool.name() + " " + arguments));
    }

    private static Answer text(ChatRequest request, String text) {
        return new Answer(text, null, promptWords(request), words(text));
    }

    private static int promptWords(ChatRequest request) {
        int words = 0;
        for (Message message : request.messages()) {
            words += words(message.text());
        }
        return words;
    }

    private static int words(String text) {
        return (int) WORD.matcher(text).results().count();
    }

    @Override
    public List<ModelInfo> models() {
        return MockModel.listed();
    }

    @Override
    public boolean available() {
        return true;
    }
}
