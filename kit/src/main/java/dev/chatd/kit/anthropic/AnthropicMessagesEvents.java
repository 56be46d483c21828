package dev.chatd.kit.anthropic;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of an Anthropic Messages stream for a client, made from the normalised chunks of
 * one answer, in exactly Anthropic's order: one {@code message_start}; then each block's
 * {@code content_block_start}, its deltas and its {@code content_block_stop}, one block at a
 * time, indexes contiguous from 0; then {@code message_delta} and {@code message_stop}.
 * Reasoning makes a {@code thinking} block (never text), text a {@code text} block, each tool
 * call its own {@code tool_use} block whose {@code input_json_delta} pieces concatenate to its
 * arguments. Stateful, for one stream, used by one thread; it writes nothing itself.
 *
 * <p>A tool call's block opens once its name is known (pieces before that are held); a call
 * without an id gets a {@code toolu_} one. Blocks cannot reopen, so an upstream that interleaved
 * the pieces of several calls would lose the late pieces of a closed one; no known upstream does.
 * Chunks of another choice than the first are ignored: Anthropic has no {@code n}.
 *
 * @since 0.3
 */
public final class AnthropicMessagesEvents {

    /**
     * One server-sent event to write: {@code event: name} and {@code data: } the JSON of
     * {@code data}, whose {@code type} is the name.
     */
    public record Event(String name, Map<String, Object> data) {}

    private enum Kind {
        THINKING,
        TEXT,
        TOOL_USE
    }

    /** A tool call by its index in the normalised stream. */
    private static final class Call {
        String id;
        String name;
        final StringBuilder held = new StringBuilder();
        boolean opened;
        boolean closed;
        boolean sentInput;
    }

    private final String id;
    private final String model;
    private final int inputTokens;
    private final List<Event> out = new ArrayList<>();
    private final Map<Integer, Call> calls = new HashMap<>();

    private boolean started;
    private boolean finished;
    private int blocks;
    private Kind open;
    private Call openCall;
    private long streamedChars;

    /**
     * @param id the message id, {@code msg_…} ({@link AnthropicIds#message()})
     * @param model the model as the client asked for it
     * @param inputTokens the input tokens to report in {@code message_start}, before the
     *     upstream's count is known: an estimate ({@link AnthropicMessagesRequests#estimateInputTokens})
     */
    public AnthropicMessagesEvents(String id, String model, int inputTokens) {
        this.id = id;
        this.model = model;
        this.inputTokens = inputTokens;
    }

    /**
     * {@code message_start}, once: the first call returns it, later ones nothing. Written before
     * the first chunk arrives, it tells the client the answer has begun; {@link #accept} sends
     * it first when nobody called this.
     */
    public List<Event> start() {
        if (started) {
            return List.of();
        }
        started = true;
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("input_tokens", inputTokens);
        usage.put("output_tokens", 1);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", model);
        message.put("content", List.of());
        message.put("stop_reason", null);
        message.put("stop_sequence", null);
        message.put("usage", usage);
        return List.of(event("message_start", "message", message));
    }

    /**
     * The events for one chunk: its reasoning, signature, redacted reasoning, text and tool-call
     * pieces in that order, each in its block; at the last chunk, the open block's end,
     * {@code message_delta} ({@code stop_reason} {@code tool_use} whenever a tool call was
     * streamed, the output tokens, the input tokens when the upstream counted them) and
     * {@code message_stop}. Nothing after the end.
     */
    public List<Event> accept(ChatChunk chunk) {
        if (finished) {
            return List.of();
        }
        out.clear();
        out.addAll(start());
        if (chunk.index() == 0) {
            if (chunk.reasoning() != null && !chunk.reasoning().isEmpty()) {
                openBlock(Kind.THINKING, null);
                delta("thinking_delta", "thinking", chunk.reasoning());
                streamedChars += chunk.reasoning().length();
            }
            if (chunk.reasoningSignature() != null
                    && !chunk.reasoningSignature().isEmpty()) {
                openBlock(Kind.THINKING, null);
                delta("signature_delta", "signature", chunk.reasoningSignature());
            }
            if (chunk.redactedReasoning() != null) {
                closeBlock();
                Map<String, Object> block = new LinkedHashMap<>();
                block.put("type", "redacted_thinking");
                block.put("data", chunk.redactedReasoning());
                out.add(blockStart(block));
                out.add(blockEvent("content_block_stop"));
                blocks++;
            }
            if (chunk.content() != null && !chunk.content().isEmpty()) {
                openBlock(Kind.TEXT, null);
                delta("text_delta", "text", chunk.content());
                streamedChars += chunk.content().length();
            }
            for (ToolCallDelta piece : chunk.toolCalls()) {
                toolPiece(piece);
            }
            if (chunk.isFinal()) {
                finish(chunk);
            }
        }
        return List.copyOf(out);
    }

    /** Whether the stream has ended with {@code message_stop}. */
    public boolean finished() {
        return finished;
    }

    /** The {@code ping} event, for a stream that would otherwise fall silent. */
    public Event ping() {
        return new Event("ping", Map.of("type", "ping"));
    }

    /**
     * The {@code error} event for a failure mid-stream, after which the stream ends.
     *
     * @param type Anthropic's error type ({@link AnthropicErrors#errorType(int)})
     */
    public Event error(String type, String message) {
        finished = true;
        return new Event("error", AnthropicErrors.envelope(type, message));
    }

    private void toolPiece(ToolCallDelta piece) {
        Call call = calls.computeIfAbsent(piece.index(), i -> new Call());
        if (call.closed) {
            return; // a late piece of a call whose block has closed: it cannot reopen
        }
        if (call.id == null && piece.id() != null && !piece.id().isEmpty()) {
            call.id = piece.id();
        }
        if (call.name == null && piece.name() != null && !piece.name().isEmpty()) {
            call.name = piece.name();
        }
        String fragment = piece.argumentsFragment();
        if (fragment != null && !fragment.isEmpty()) {
            streamedChars += fragment.length();
            if (call.opened) {
                sendInput(call, fragment);
            } else {
                call.held.append(fragment);
            }
        }
        if (!call.opened && call.name != null) {
            if (call.id == null) {
                call.id = AnthropicIds.toolUse();
            }
            openBlock(Kind.TOOL_USE, call);
            if (!call.held.isEmpty()) {
                sendInput(call, call.held.toString());
                call.held.setLength(0);
            }
        }
    }

    private void sendInput(Call call, String json) {
        delta("input_json_delta", "partial_json", json);
        call.sentInput = true;
    }

    /** Opens a block of {@code kind} unless it is the one open; closes the open one first. */
    private void openBlock(Kind kind, Call call) {
        if (open == kind && (kind != Kind.TOOL_USE || openCall == call)) {
            return;
        }
        closeBlock();
        Map<String, Object> block = new LinkedHashMap<>();
        switch (kind) {
            case THINKING -> {
                block.put("type", "thinking");
                block.put("thinking", "");
                block.put("signature", "");
            }
            case TEXT -> {
                block.put("type", "text");
                block.put("text", "");
            }
            case TOOL_USE -> {
                block.put("type", "tool_use");
                block.put("id", call.id);
                block.put("name", call.name);
                block.put("input", Map.of());
                call.opened = true;
            }
        }
        out.add(blockStart(block));
        open = kind;
        openCall = call;
    }

    private void closeBlock() {
        if (open == null) {
            return;
        }
        if (open == Kind.TOOL_USE) {
            if (!openCall.sentInput) {
                sendInput(openCall, "{}"); // no arguments: an empty object, never an empty string
            }
            openCall.closed = true;
        }
        out.add(blockEvent("content_block_stop"));
        blocks++;
        open = null;
        openCall = null;
    }

    private void finish(ChatChunk last) {
        closeBlock();
        boolean calledTools = calls.values().stream().anyMatch(c -> c.opened);
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("stop_reason", AnthropicMessagesReplies.stopReason(last.finishReason(), calledTools));
        delta.put("stop_sequence", null);
        Map<String, Object> usage = new LinkedHashMap<>();
        Usage given = last.usage();
        if (given != null && !given.equals(Usage.NONE)) {
            usage.putAll(AnthropicMessagesReplies.encodeUsage(given));
        } else {
            // No count from the upstream: an estimate beats the zero a client would show.
            usage.put("output_tokens", Math.max(1, (int) Math.ceil(streamedChars / TokenEstimate.CHARS_PER_TOKEN)));
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "message_delta");
        data.put("delta", delta);
        data.put("usage", usage);
        out.add(new Event("message_delta", data));
        out.add(new Event("message_stop", Map.of("type", "message_stop")));
        finished = true;
    }

    private void delta(String type, String key, String value) {
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("type", type);
        delta.put(key, value);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "content_block_delta");
        data.put("index", blocks);
        data.put("delta", delta);
        out.add(new Event("content_block_delta", data));
    }

    private Event blockStart(Map<String, Object> block) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "content_block_start");
        data.put("index", blocks);
        data.put("content_block", block);
        return new Event("content_block_start", data);
    }

    private Event blockEvent(String name) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", name);
        data.put("index", blocks);
        return new Event(name, data);
    }

    private static Event event(String name, String key, Object value) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", name);
        data.put(key, value);
        return new Event(name, data);
    }
}
