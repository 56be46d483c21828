package dev.chatd.kit.openai;

import dev.chatd.kit.stream.PullChatStream;
import dev.chatd.kit.stream.ToolCallAssembler;
import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiWire;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI-format stream: server-sent events whose {@code data:} is a
 * {@code chat.completion.chunk}, ended by {@code data: [DONE]}. Handled on the way: comment
 * lines ({@code : OPENROUTER PROCESSING}), data split over several {@code data:} lines, usage in
 * a {@code choices: []} chunk, in an empty-delta choice or in {@code choices[0].usage} (Kimi),
 * data after {@code [DONE]} (OpenCode Zen's cost chunk: its cost is kept), and an {@code error}
 * chunk mid-stream. The finish reason and usage go out in one last chunk.
 */
public final class OpenAiChatStream extends PullChatStream {
    /** How long to wait for trailing data (a cost chunk) after {@code [DONE]}. */
    private static final Duration AFTER_DONE = Duration.ofSeconds(2);

    private FinishReason finish;
    private JsonObjectView usage;
    private BigDecimal cost;
    private boolean sawToolCalls;
    private boolean finished;

    public OpenAiChatStream(UpstreamStream body) {
        super(body);
    }

    @Override
    protected ChatChunk fetch() {
        if (finished) {
            return null;
        }
        while (true) {
            String data = nextData();
            if (data == null) {
                if (finish == null && usage == null) {
                    throw new ChatException.UpstreamFailure(body.provider()
                            + " ended the stream before it was complete (no finish reason, no [DONE])");
                }
                return last();
            }
            if (data.equals("[DONE]")) {
                readTrailingData();
                return last();
            }
            ChatChunk chunk = read(data);
            if (chunk != null) {
                return chunk;
            }
        }
    }

    private ChatChunk read(String data) {
        JsonObjectView event = JsonObjectView.of(parse(data, "stream event"), body.provider() + "'s stream event",
                ChatException.UpstreamFailure::new);
        if (event.has("error")) {
            Object error = event.raw("error");
            String message = error instanceof java.util.Map<?, ?> e && e.get("message") instanceof String s ? s
                    : String.valueOf(error);
            throw new ChatException.UpstreamFailure(body.provider() + " failed mid-stream: " + body.redact(message));
        }
        if (event.object("usage") != null) {
            usage = event.object("usage");
        }
        takeCost(event);
        List<Object> choices = event.array("choices");
        if (choices == null || choices.isEmpty()) {
            return null;
        }
        JsonObjectView choice = event.at(choices.get(0), "choices[0]");
        if (choice.object("usage") != null) {
            usage = choice.object("usage");
        }
        FinishReason reason = OpenAiWire.finishReason(choice.string("finish_reason"), choice.string("native_finish_reason"));
        if (reason != null) {
            finish = reason;
        }
        JsonObjectView delta = choice.object("delta");
        if (delta == null) {
            return null;
        }
        String content = delta.string("content");
        String reasoning = delta.string("reasoning_content") != null ? delta.string("reasoning_content") : delta.string("reasoning");
        List<ToolCallDelta> toolCalls = toolCallDeltas(delta);
        boolean hasText = content != null && !content.isEmpty();
        boolean hasReasoning = reasoning != null && !reasoning.isEmpty();
        if (!hasText && !hasReasoning && toolCalls.isEmpty()) {
            return null;
        }
        return new ChatChunk(hasText ? content : null, hasReasoning ? reasoning : null, toolCalls, null, null);
    }

    private List<ToolCallDelta> toolCallDeltas(JsonObjectView delta) {
        List<Object> calls = delta.array("tool_calls");
        if (calls == null || calls.isEmpty()) {
            return List.of();
        }
        sawToolCalls = true;
        List<ToolCallDelta> deltas = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            JsonObjectView call = delta.at(calls.get(i), "delta.tool_calls[" + i + "]");
            Integer index = call.integer("index");
            JsonObjectView function = call.object("function");
            deltas.add(new ToolCallDelta(index == null ? i : index, call.string("id"),
                    function == null ? null : function.string("name"),
                    function == null ? null : function.string("arguments")));
        }
        return deltas;
    }

    private void takeCost(JsonObjectView event) {
        Object c = event.raw("cost");
        if (c instanceof BigDecimal d) {
            cost = d;
        } else if (c instanceof String s && !s.isBlank()) {
            try {
                cost = new BigDecimal(s.strip());
            } catch (NumberFormatException e) {
                // not a cost we can use
            }
        }
    }

    /** Data after {@code [DONE]} is not part of the answer, but a cost there is kept. */
    private void readTrailingData() {
        body.idleTimeout(AFTER_DONE);
        try {
            String data;
            while ((data = nextData()) != null) {
                try {
                    Object trailing = JsonCodec.parse(data);
                    if (trailing instanceof java.util.Map<?, ?>) {
                        takeCost(JsonObjectView.of(trailing, "trailing data", ChatException.UpstreamFailure::new));
                    }
                } catch (JsonCodec.MalformedJsonException e) {
                    // ignored, as data after [DONE] must be
                }
            }
        } catch (ChatException e) {
            // The answer is complete; a stall or cut after [DONE] does not undo it.
        }
    }

    private ChatChunk last() {
        finished = true;
        body.close();
        FinishReason reason = finish != null ? finish : sawToolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        Usage u = OpenAiWire.usage(usage, null);
        if (cost != null && u.cost() == null) {
            u = u.withCost(cost);
        }
        return ChatChunk.finish(reason, u);
    }

    /** The data of the next event (its {@code data:} lines joined by newlines), or null at the end. */
    private String nextData() {
        StringBuilder data = null;
        while (true) {
            String line = body.nextLine();
            if (line == null) {
                return data == null ? null : data.toString();
            }
            if (line.isEmpty()) {
                if (data != null) {
                    return data.toString();
                }
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            if (line.startsWith("data:")) {
                String value = line.startsWith("data: ") ? line.substring(6) : line.substring(5);
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
            // event:, id:, retry: carry nothing chatd needs; an error arrives as data with "error".
        }
    }
}
