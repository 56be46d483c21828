package dev.chatd.kit.responses;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of a Responses stream for a client, made from the normalised chunks of one answer,
 * in the order the OpenAI SDKs' stream accumulators check: {@code response.created} and
 * {@code response.in_progress}; then one output item at a time, each opened by
 * {@code response.output_item.added} and closed by {@code response.output_item.done}, output
 * indexes contiguous from 0; then {@code response.completed} (or {@code response.incomplete})
 * with the whole response. Every event carries a {@code sequence_number} one above the last.
 * Reasoning makes a {@code reasoning} item with one summary part
 * ({@code response.reasoning_summary_text.delta}…), text a {@code message} item with one
 * {@code output_text} part ({@code response.output_text.delta}…), each tool call a
 * {@code function_call} item ({@code response.function_call_arguments.delta}…); each part's
 * {@code .done} event repeats its whole text, which is what its deltas concatenate to. A
 * reasoning signature (a Responses upstream's {@code encrypted_content}, streamed through) goes
 * into the reasoning item's {@code encrypted_content}. Stateful, for one stream, used by one
 * thread; it writes nothing itself.
 *
 * <p>A tool call's item opens once its name is known (pieces before that are held); a call
 * without an id gets a {@code call_…} one. Items cannot reopen, so late pieces of a closed
 * call are lost; no known upstream interleaves calls. Chunks of another choice than the first
 * are ignored: the format has no {@code n}.
 *
 * @since 0.3
 */
public final class ResponsesEvents {

    /**
     * One server-sent event to write: {@code event: name} and {@code data: } the JSON of
     * {@code data}, whose {@code type} is the name.
     */
    public record Event(String name, Map<String, Object> data) {}

    private enum Kind {
        REASONING,
        MESSAGE,
        CALL
    }

    /** A tool call by its index in the normalised stream. */
    private static final class Call {
        String callId;
        String name;
        final StringBuilder held = new StringBuilder();
        final StringBuilder arguments = new StringBuilder();
        boolean opened;
        boolean closed;
    }

    private final String id;
    private final long createdAt;
    private final String model;
    private final List<Event> out = new ArrayList<>();
    private final List<Object> output = new ArrayList<>();
    private final Map<Integer, Call> calls = new HashMap<>();

    private int sequence;
    private boolean started;
    private boolean finished;
    private boolean calledTools;

    /** The open item: its kind, id and index, and what it has said so far. */
    private Kind open;

    private String openId;
    private Call openCall;
    private final StringBuilder openText = new StringBuilder();
    private boolean summaryOpened;
    private String encryptedContent;

    /**
     * @param id the response id, {@code resp_…} ({@link ResponsesIds#response()})
     * @param createdAt when the answer began, in seconds since the epoch
     * @param model the model as the client asked for it
     */
    public ResponsesEvents(String id, long createdAt, String model) {
        this.id = id;
        this.createdAt = createdAt;
        this.model = model;
    }

    /**
     * {@code response.created} and {@code response.in_progress}, once: the first call returns
     * them, later ones nothing. Written before the first chunk arrives, they tell the client the
     * answer has begun; {@link #accept} sends them first when nobody called this.
     */
    public List<Event> start() {
        if (started) {
            return List.of();
        }
        started = true;
        return List.of(
                lifecycle("response.created", null, null, null), lifecycle("response.in_progress", null, null, null));
    }

    /**
     * The events for one chunk: its reasoning, reasoning signature, text and tool-call pieces in
     * that order, each in its item; at the last chunk, the open item's end and
     * {@code response.completed} ({@code response.incomplete} for the length or a content
     * filter) with the whole response and the usage. Nothing after the end.
     */
    public List<Event> accept(ChatChunk chunk) {
        if (finished) {
            return List.of();
        }
        out.clear();
        out.addAll(start());
        if (chunk.index() == 0) {
            if (chunk.reasoning() != null && !chunk.reasoning().isEmpty()) {
                openItem(Kind.REASONING, null);
                summaryDelta(chunk.reasoning());
            }
            if (chunk.reasoningSignature() != null
                    && !chunk.reasoningSignature().isEmpty()) {
                openItem(Kind.REASONING, null);
                encryptedContent = encryptedContent == null
                        ? chunk.reasoningSignature()
                        : encryptedContent + chunk.reasoningSignature();
            }
            if (chunk.content() != null && !chunk.content().isEmpty()) {
                openItem(Kind.MESSAGE, null);
                Map<String, Object> data = itemEvent();
                data.put("content_index", 0);
                data.put("delta", chunk.content());
                data.put("logprobs", List.of());
                emit("response.output_text.delta", data);
                openText.append(chunk.content());
            }
            for (ToolCallDelta piece : chunk.toolCalls()) {
                toolPiece(piece);
            }
            if (chunk.isFinal()) {
                finish(chunk.finishReason(), chunk.usage());
            }
        }
        return List.copyOf(out);
    }

    /** Whether the stream has ended. */
    public boolean finished() {
        return finished;
    }

    /** {@link #failed(String, String)} with the code {@code server_error}. */
    public List<Event> failed(String message) {
        return failed("server_error", message);
    }

    /**
     * The events for a failure mid-stream, after which the stream ends: {@code response.failed}
     * with the response so far and its {@code error}, then an {@code error} event. Both, because
     * clients read the end differently: agents (Codex) and the Vercel AI SDK end on
     * {@code response.failed}, while the openai SDK raises its {@code APIError} only on
     * {@code error} (it would hand back a failed response without raising otherwise).
     *
     * @param code the error's code, e.g. {@code server_error} or {@code rate_limit_exceeded}
     */
    public List<Event> failed(String code, String message) {
        if (finished) {
            return List.of();
        }
        out.clear();
        out.addAll(start());
        finished = true;
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        out.add(lifecycle("response.failed", null, error, null));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "error");
        data.put("code", code);
        data.put("message", message);
        data.put("param", null);
        emit("error", data);
        return List.copyOf(out);
    }

    private void toolPiece(ToolCallDelta piece) {
        Call call = calls.computeIfAbsent(piece.index(), i -> new Call());
        if (call.closed) {
            return; // a late piece of a call whose item has closed: it cannot reopen
        }
        if (call.callId == null && piece.id() != null && !piece.id().isEmpty()) {
            call.callId = piece.id();
        }
        if (call.name == null && piece.name() != null && !piece.name().isEmpty()) {
            call.name = piece.name();
        }
        String fragment = piece.argumentsFragment();
        if (fragment != null && !fragment.isEmpty()) {
            if (call.opened) {
                argumentsDelta(call, fragment);
            } else {
                call.held.append(fragment);
            }
        }
        if (!call.opened && call.name != null) {
            if (call.callId == null) {
                call.callId = ResponsesIds.call();
            }
            openItem(Kind.CALL, call);
            if (!call.held.isEmpty()) {
                argumentsDelta(call, call.held.toString());
                call.held.setLength(0);
            }
        }
    }

    private void argumentsDelta(Call call, String fragment) {
        Map<String, Object> data = itemEvent();
        data.put("delta", fragment);
        emit("response.function_call_arguments.delta", data);
        call.arguments.append(fragment);
    }

    private void summaryDelta(String text) {
        if (!summaryOpened) {
            summaryOpened = true;
            Map<String, Object> data = itemEvent();
            data.put("summary_index", 0);
            data.put("part", ResponsesReplies.summaryPart(""));
            emit("response.reasoning_summary_part.added", data);
        }
        Map<String, Object> data = itemEvent();
        data.put("summary_index", 0);
        data.put("delta", text);
        emit("response.reasoning_summary_text.delta", data);
        openText.append(text);
    }

    /** Opens an item of {@code kind} unless it is the one open; closes the open one first. */
    private void openItem(Kind kind, Call call) {
        if (open == kind && (kind != Kind.CALL || openCall == call)) {
            return;
        }
        closeItem(null);
        open = kind;
        openCall = call;
        openText.setLength(0);
        summaryOpened = false;
        encryptedContent = null;
        Map<String, Object> item = switch (kind) {
            case REASONING -> ResponsesReplies.reasoningItem(openId = ResponsesIds.reasoning(), null, null);
            case MESSAGE -> ResponsesReplies.messageItem(openId = ResponsesIds.message(), null, "in_progress");
            case CALL -> {
                call.opened = true;
                calledTools = true;
                yield ResponsesReplies.functionCallItem(
                        openId = ResponsesIds.functionCall(), call.callId, call.name, "", "in_progress");
            }
        };
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "response.output_item.added");
        data.put("output_index", output.size());
        data.put("item", item);
        emit("response.output_item.added", data);
        if (kind == Kind.MESSAGE) {
            Map<String, Object> part = itemEvent();
            part.put("content_index", 0);
            part.put("part", ResponsesReplies.outputText(""));
            emit("response.content_part.added", part);
        }
    }

    /** Closes the open item, if any: its parts' {@code .done} events, then {@code response.output_item.done}. */
    private void closeItem(FinishReason finish) {
        if (open == null) {
            return;
        }
        String text = openText.toString();
        Map<String, Object> item;
        switch (open) {
            case REASONING -> {
                if (summaryOpened) {
                    Map<String, Object> done = itemEvent();
                    done.put("summary_index", 0);
                    done.put("text", text);
                    emit("response.reasoning_summary_text.done", done);
                    Map<String, Object> part = itemEvent();
                    part.put("summary_index", 0);
                    part.put("part", ResponsesReplies.summaryPart(text));
                    emit("response.reasoning_summary_part.done", part);
                }
                item = ResponsesReplies.reasoningItem(openId, text, encryptedContent);
            }
            case MESSAGE -> {
                Map<String, Object> done = itemEvent();
                done.put("content_index", 0);
                done.put("text", text);
                done.put("logprobs", List.of());
                emit("response.output_text.done", done);
                Map<String, Object> part = itemEvent();
                part.put("content_index", 0);
                part.put("part", ResponsesReplies.outputText(text));
                emit("response.content_part.done", part);
                item = ResponsesReplies.messageItem(
                        openId, text, finish == null ? "completed" : ResponsesReplies.status(finish));
            }
            case CALL -> {
                if (openCall.arguments.isEmpty()) {
                    argumentsDelta(openCall, "{}"); // no arguments: an empty object, never an empty string
                }
                String arguments = openCall.arguments.toString();
                Map<String, Object> done = itemEvent();
                done.put("name", openCall.name);
                done.put("arguments", arguments);
                emit("response.function_call_arguments.done", done);
                item = ResponsesReplies.functionCallItem(
                        openId, openCall.callId, openCall.name, arguments, "completed");
                openCall.closed = true;
            }
            default -> throw new IllegalStateException(open.name());
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "response.output_item.done");
        data.put("output_index", output.size());
        data.put("item", item);
        emit("response.output_item.done", data);
        output.add(item);
        open = null;
        openCall = null;
        openId = null;
    }

    private void finish(FinishReason given, Usage usage) {
        FinishReason finish = given;
        if (calledTools && finish != FinishReason.LENGTH && finish != FinishReason.CONTENT_FILTER) {
            finish = FinishReason.TOOL_CALLS; // an agent waits for the tools it was told to run otherwise
        }
        closeItem(finish);
        String name =
                "incomplete".equals(ResponsesReplies.status(finish)) ? "response.incomplete" : "response.completed";
        out.add(lifecycle(name, finish, null, usage == null ? Usage.NONE : usage));
        finished = true;
    }

    /** A lifecycle event carrying the response as it stands. */
    private Event lifecycle(String name, FinishReason finish, Map<String, Object> error, Usage usage) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", name);
        data.put(
                "response", ResponsesReplies.response(id, createdAt, model, finish, List.copyOf(output), error, usage));
        return event(name, data);
    }

    /** The start of an event about the open item: its {@code item_id} and {@code output_index}. */
    private Map<String, Object> itemEvent() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("item_id", openId);
        data.put("output_index", output.size());
        return data;
    }

    private void emit(String name, Map<String, Object> data) {
        out.add(event(name, data));
    }

    private Event event(String name, Map<String, Object> data) {
        Map<String, Object> typed = new LinkedHashMap<>();
        typed.put("type", name);
        typed.putAll(data);
        typed.put("type", name);
        typed.put("sequence_number", sequence++);
        return new Event(name, typed);
    }
}
