package dev.chatd.kit.responses;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.stream.PullChatStream;
import dev.chatd.kit.stream.SseReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Responses-format stream: server-sent events typed by their data's {@code type} (the
 * {@code event:} name where the type is missing). {@code response.output_text.delta} (and
 * {@code response.refusal.delta}) become text; {@code response.reasoning_summary_text.delta}
 * and {@code response.reasoning_text.delta} reasoning, summary parts after the first set off by
 * a blank line; a reasoning item's {@code encrypted_content}, at its
 * {@code response.output_item.done}, a reasoning signature, to be sent back to the upstream that
 * made it. A {@code function_call} item's {@code response.output_item.added} opens a tool call
 * (its {@code call_id} and name), numbered among the answer's tool calls from 0, and its
 * {@code response.function_call_arguments.delta} pieces, found by {@code output_index} or
 * {@code item_id}, bring the arguments (or its {@code .done} does, whole, when no pieces came).
 * {@code response.completed} and {@code response.incomplete} end the answer with the finish
 * reason and the usage; {@code response.failed} and {@code error} fail it, as does a body that
 * ends before. Events it does not know are skipped.
 *
 * @since 0.3
 */
public final class ResponsesStream extends PullChatStream {

    /** A {@code function_call} item being read. */
    private static final class CallItem {
        final int toolIndex;
        boolean gotArguments;

        CallItem(int toolIndex) {
            this.toolIndex = toolIndex;
        }
    }

    private final SseReader events;
    private final Map<Integer, CallItem> byIndex = new HashMap<>();
    private final Map<String, CallItem> byId = new HashMap<>();

    private int tools;
    private boolean finished;

    public ResponsesStream(UpstreamStream body) {
        super(body);
        this.events = new SseReader(body);
    }

    @Override
    protected ChatChunk fetch() {
        if (finished) {
            return null;
        }
        while (true) {
            SseReader.Event event = events.next();
            if (event == null) {
                throw new ChatException.UpstreamFailure(
                        body.provider() + " ended the stream before it was complete (no response.completed)");
            }
            if ("[DONE]".equals(event.data())) {
                continue;
            }
            ChatChunk chunk = read(event);
            if (chunk != null) {
                return chunk;
            }
        }
    }

    private ChatChunk read(SseReader.Event event) {
        JsonObjectView data = JsonObjectView.of(
                parse(event.data(), "stream event"),
                body.provider() + "'s stream event",
                ChatException.UpstreamFailure::new);
        String type = data.string("type") != null ? data.string("type") : event.name();
        if (type == null) {
            return null;
        }
        return switch (type) {
            case "response.output_text.delta", "response.refusal.delta" -> text(data.string("delta"));
            case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" ->
                reasoning(data.string("delta"));
            case "response.reasoning_summary_part.added" -> {
                Integer index = data.integer("summary_index");
                yield index != null && index > 0 ? reasoning("\n\n") : null;
            }
            case "response.output_item.added" -> itemAdded(data);
            case "response.function_call_arguments.delta" -> {
                CallItem call = call(data);
                String piece = data.string("delta");
                if (call == null || piece == null || piece.isEmpty()) {
                    yield null;
                }
                call.gotArguments = true;
                yield toolPiece(call, null, null, piece);
            }
            case "response.function_call_arguments.done" -> wholeArguments(call(data), data.string("arguments"));
            case "response.output_item.done" -> itemDone(data);
            case "response.completed", "response.incomplete" -> last(data.object("response"));
            case "response.failed" -> throw failed(data.object("response"));
            case "error" -> throw error(data);
            default -> null; // created, in_progress, content parts, annotations, hosted tools' progress
        };
    }

    private ChatChunk itemAdded(JsonObjectView data) {
        JsonObjectView item = data.object("item");
        if (item == null || !"function_call".equals(item.string("type"))) {
            return null;
        }
        CallItem call = new CallItem(tools++);
        Integer index = data.integer("output_index");
        if (index != null) {
            byIndex.put(index, call);
        }
        if (item.string("id") != null) {
            byId.put(item.string("id"), call);
        }
        String arguments = item.string("arguments");
        if (arguments != null && !arguments.isEmpty()) {
            call.gotArguments = true;
        }
        return toolPiece(
                call,
                item.string("call_id"),
                item.requiredString("name"),
                arguments == null || arguments.isEmpty() ? null : arguments);
    }

    private ChatChunk itemDone(JsonObjectView data) {
        JsonObjectView item = data.object("item");
        if (item == null) {
            return null;
        }
        if ("function_call".equals(item.string("type"))) {
            return wholeArguments(call(data), item.string("arguments"));
        }
        String encrypted = "reasoning".equals(item.string("type")) ? item.string("encrypted_content") : null;
        if (encrypted == null || encrypted.isEmpty()) {
            return null;
        }
        return new ChatChunk(null, null, List.of(), null, null, 0, null, encrypted, null);
    }

    /** A call's arguments whole, from a {@code .done}, when no pieces brought them. */
    private ChatChunk wholeArguments(CallItem call, String arguments) {
        if (call == null || call.gotArguments || arguments == null || arguments.isEmpty()) {
            return null;
        }
        call.gotArguments = true;
        return toolPiece(call, null, null, arguments);
    }

    private CallItem call(JsonObjectView data) {
        Integer index = data.integer("output_index");
        CallItem call = index == null ? null : byIndex.get(index);
        if (call == null && data.string("item_id") != null) {
            call = byId.get(data.string("item_id"));
        }
        return call;
    }

    private static ChatChunk toolPiece(CallItem call, String id, String name, String arguments) {
        return new ChatChunk(null, null, List.of(new ToolCallDelta(call.toolIndex, id, name, arguments)), null, null);
    }

    private static ChatChunk text(String text) {
        return text == null || text.isEmpty() ? null : ChatChunk.text(text);
    }

    private static ChatChunk reasoning(String text) {
        return text == null || text.isEmpty() ? null : new ChatChunk(null, text, List.of(), null, null);
    }

    private ChatChunk last(JsonObjectView response) {
        finished = true;
        body.close();
        FinishReason finish = response == null
                ? null
                : ResponsesReplies.finishReason(response.string("status"), response.object("incomplete_details"));
        if (finish == null) {
            finish = tools > 0 ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        }
        Usage usage = response == null ? Usage.NONE : ResponsesReplies.usage(response.object("usage"));
        return ChatChunk.finish(finish, usage);
    }

    private ChatException failed(JsonObjectView response) {
        Object error = response == null ? null : response.raw("error");
        String said = error == null ? "" : ": " + body.redact(UpstreamErrors.errorText(error));
        return new ChatException.UpstreamFailure(body.provider() + "'s response failed mid-stream" + said);
    }

    /** An {@code error} event: its code and message flat, or nested under {@code error}. */
    private ChatException error(JsonObjectView data) {
        JsonObjectView error = data.raw("error") instanceof Map<?, ?> ? data.object("error") : data;
        String code = error.raw("code") instanceof String s ? s : error.string("type");
        String message = error.string("message");
        String said = ": mid-stream: " + (message == null ? "(no message)" : body.redact(message));
        if ("rate_limit_exceeded".equals(code)) {
            return new ChatException.RateLimited(body.provider() + " is rate limiting" + said, null);
        }
        return new ChatException.UpstreamFailure(
                body.provider() + " failed" + (code == null ? "" : " (" + code + ")") + said);
    }
}
