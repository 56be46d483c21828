package dev.chatd.kit.openai;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.FinishReason;
import dev.chatd.api.TokenLogprob;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.stream.PullChatStream;
import dev.chatd.kit.stream.SseReader;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * An OpenAI-format stream: server-sent events whose {@code data:} is a
 * {@code chat.completion.chunk}, ended by {@code data: [DONE]}. Handled on the way: comment
 * lines ({@code : OPENROUTER PROCESSING}), data split over several {@code data:} lines, usage in
 * a {@code choices: []} chunk or beside an empty-delta choice (usage fields from several events
 * add up, later ones winning), data after {@code [DONE]} (not part of the answer, but its usage
 * is kept), and an {@code error} chunk mid-stream. Several choices ({@code n}) come apart into
 * chunks by their index, each choice's finish held back to the end; the first choice's finish
 * reason and the usage go out in one last chunk, after the other choices' finishes. A provider's hook may turn each event into plain OpenAI first.
 *
 * @since 0.2
 */
public final class OpenAiChatStream extends PullChatStream {
    /** How long to wait for trailing data (a cost chunk) after {@code [DONE]}. */
    private static final Duration AFTER_DONE = Duration.ofSeconds(2);

    private final UnaryOperator<Object> normalise;
    private final SseReader events;
    /** Each choice's finish reason as given, by index; a choice seen without one is here with null. */
    private final Map<Integer, FinishReason> finishes = new TreeMap<>();
    /** The choices that streamed tool calls, which finish with {@code tool_calls} when the upstream says nothing. */
    private final Set<Integer> calledTools = new HashSet<>();
    /** The chunks of an event with several choices, handed out one at a time. */
    private final Deque<ChatChunk> ready = new ArrayDeque<>();

    private Map<String, Object> usage;
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
        if (!ready.isEmpty()) {
            return ready.poll();
        }
        if (finished) {
            return null;
        }
        while (true) {
            String data = nextData();
            if (data == null) {
                if (finishes.values().stream().allMatch(Objects::isNull) && usage == null) {
                    throw new ChatException.UpstreamFailure(
                            body.provider() + " ended the stream before it was complete (no finish reason, no [DONE])");
                }
                return last();
            }
            if (data.equals("[DONE]")) {
                readTrailingData();
                return last();
            }
            read(data);
            if (!ready.isEmpty()) {
                return ready.poll();
            }
        }
    }

    /** Reads one event into {@link #ready}: a chunk for each choice that carries something. */
    private void read(String data) {
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
        if (choices == null) {
            return;
        }
        for (int i = 0; i < choices.size(); i++) {
            ChatChunk chunk = readChoice(event.at(choices.get(i), "choices[" + i + "]"), i);
            if (chunk != null) {
                ready.add(chunk);
            }
        }
    }

    private ChatChunk readChoice(JsonObjectView choice, int position) {
        Integer given = choice.integer("index");
        int index = given == null ? position : given;
        FinishReason reason = OpenAiChatReplies.finishReason(choice.string("finish_reason"));
        if (reason != null || !finishes.containsKey(index)) {
            finishes.put(index, reason);
        }
        JsonObjectView delta = choice.object("delta");
        if (delta == null) {
            return null;
        }
        String content = delta.string("content");
        String reasoning = delta.string("reasoning_content") != null
                ? delta.string("reasoning_content")
                : delta.string("reasoning");
        List<ToolCallDelta> toolCalls = OpenAiToolCalls.decodeDeltas(delta);
        if (!toolCalls.isEmpty()) {
            calledTools.add(index);
        }
        List<TokenLogprob> logprobs = OpenAiLogprobs.decodeChoice(choice);
        boolean hasText = content != null && !content.isEmpty();
        boolean hasReasoning = reasoning != null && !reasoning.isEmpty();
        boolean hasLogprobs = logprobs != null && !logprobs.isEmpty();
        if (!hasText && !hasReasoning && toolCalls.isEmpty() && !hasLogprobs) {
            return null;
        }
        return new ChatChunk(
                hasText ? content : null,
                hasReasoning ? reasoning : null,
                toolCalls,
                null,
                null,
                index,
                hasLogprobs ? logprobs : null);
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

    /** The other choices' finishes, queued, then the first choice's finish with the usage. */
    private ChatChunk last() {
        finished = true;
        body.close();
        for (Map.Entry<Integer, FinishReason> choice : finishes.entrySet()) {
            if (choice.getKey() != 0) {
                ready.add(new ChatChunk(
                        null,
                        null,
                        List.of(),
                        finishOf(choice.getKey(), choice.getValue()),
                        null,
                        choice.getKey(),
                        null));
            }
        }
        Usage u = OpenAiChatReplies.usage(
                usage == null ? null : JsonObjectView.of(usage, "usage", ChatException.UpstreamFailure::new));
        ready.add(ChatChunk.finish(finishOf(0, finishes.get(0)), u));
        return ready.poll();
    }

    private FinishReason finishOf(int index, FinishReason given) {
        return given != null ? given : calledTools.contains(index) ? FinishReason.TOOL_CALLS : FinishReason.STOP;
    }

    /** The data of the next event, or null at the end. */
    private String nextData() {
        SseReader.Event event = events.next();
        return event == null ? null : event.data();
    }
}
