package dev.chatd.kit.openai;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.stream.PullChatStream;
import dev.chatd.kit.stream.SseReader;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * An OpenAI-format stream: server-sent events whose {@code data:} is a
 * {@code chat.completion.chunk}, ended by {@code data: [DONE]}. Handled on the way: comment
 * lines ({@code : OPENROUTER PROCESSING}), data split over several {@code data:} lines, usage in
 * a {@code choices: []} chunk or beside an empty-delta choice (usage fields from several events
 * add up, later ones winning), data after {@code [DONE]} (not part of the answer, but its usage
 * is kept), and an {@code error} chunk mid-stream. The finish reason and usage go out in one
 * last chunk. A provider's hook may turn each event into plain OpenAI first.
 *
 * @since 0.2
 */
public final class OpenAiChatStream extends PullChatStream {
    /** How long to wait for trailing data (a cost chunk) after {@code [DONE]}. */
    private static final Duration AFTER_DONE = Duration.ofSeconds(2);

    private final UnaryOperator<Object> normalise;
    private final SseReader events;
    private FinishReason finish;
    private Map<String, Object> usage;
    private boolean sawToolCalls;
    private boolean finished;

    public OpenAiChatStream(UpstreamStream body) {
        this(body, UnaryOperator.identity());
    }

    /** @param normalise turns each event's parsed data into plain OpenAI (a provider's hook) */
    public OpenAiChatStream(UpstreamStream body, UnaryOperator<Object> normalise) {
        super(body);
        this.normalise = normalise;
        this.events = new SseReader(body);
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
                    throw new ChatException.UpstreamFailure(
                            body.provider() + " ended the stream before it was complete (no finish reason, no [DONE])");
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
        JsonObjectView event = JsonObjectView.of(
                normalise.apply(parse(data, "stream event")),
                body.provider() + "'s stream event",
                ChatException.UpstreamFailure::new);
        if (event.has("error")) {
            throw new ChatException.UpstreamFailure(body.provider() + " failed mid-stream: "
                    + body.redact(UpstreamErrors.errorText(event.raw("error"))));
        }
        takeUsage(event);
        List<Object> choices = event.array("choices");
        if (choices == null || choices.isEmpty()) {
            return null;
        }
        JsonObjectView choice = event.at(choices.get(0), "choices[0]");
        FinishReason reason = OpenAiChatReplies.finishReason(choice.string("finish_reason"));
        if (reason != null) {
            finish = reason;
        }
        JsonObjectView delta = choice.object("delta");
        if (delta == null) {
            return null;
        }
        String content = delta.string("content");
        String reasoning = delta.string("reasoning_content") != null
                ? delta.string("reasoning_content")
                : delta.string("reasoning");
        List<ToolCallDelta> toolCalls = toolCallDeltas(delta);
        boolean hasText = content != null && !content.isEmpty();
        boolean hasReasoning = reasoning != null && !reasoning.isEmpty();
        if (!hasText && !hasReasoning && toolCalls.isEmpty()) {
            return null;
        }
        return new ChatChunk(hasText ? content : null, hasReasoning ? reasoning : null, toolCalls, null, null);
    }

    private List<ToolCallDelta> toolCallDeltas(JsonObjectView delta) {
        List<ToolCallDelta> deltas = OpenAiToolCalls.decodeDeltas(delta);
        sawToolCalls |= !deltas.isEmpty();
        return deltas;
    }

    private void takeUsage(JsonObjectView event) {
        JsonObjectView given = event.object("usage");
        if (given != null) {
            if (usage == null) {
                usage = new LinkedHashMap<>();
            }
            usage.putAll(given.fields());
        }
    }

    /** Data after {@code [DONE]} is not part of the answer, but usage there (a cost, say) is kept. */
    private void readTrailingData() {
        body.idleTimeout(AFTER_DONE);
        try {
            String data;
            while ((data = nextData()) != null) {
                try {
                    Object trailing = normalise.apply(JsonCodec.parse(data));
                    if (trailing instanceof Map<?, ?>) {
                        takeUsage(JsonObjectView.of(trailing, "trailing data", ChatException.UpstreamFailure::new));
                    }
                } catch (JsonCodec.MalformedJsonException | ChatException.UpstreamFailure e) {
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
        Usage u = OpenAiChatReplies.usage(
                usage == null ? null : JsonObjectView.of(usage, "usage", ChatException.UpstreamFailure::new));
        return ChatChunk.finish(reason, u);
    }

    /** The data of the next event, or null at the end. */
    private String nextData() {
        SseReader.Event event = events.next();
        return event == null ? null : event.data();
    }
}
