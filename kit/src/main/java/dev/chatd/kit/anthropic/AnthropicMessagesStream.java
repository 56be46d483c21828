package dev.chatd.kit.anthropic;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.stream.PullChatStream;
import dev.chatd.kit.stream.SseReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Anthropic-format stream: server-sent events named by {@code event:} (the {@code type} in
 * the data names them where the name is missing). {@code message_start} brings the input usage;
 * each block's {@code content_block_start}, deltas and {@code content_block_stop} become chunks
 * of text ({@code text_delta}), reasoning ({@code thinking_delta}, {@code signature_delta},
 * {@code redacted_thinking}) or tool-call pieces ({@code tool_use}, then its
 * {@code input_json_delta} pieces, numbered among the message's tool calls from 0);
 * {@code message_delta} brings the stop reason and output usage, and {@code message_stop} ends
 * the answer with the last chunk. {@code ping} and events it does not know are skipped; an
 * {@code error} event fails by its type ({@link AnthropicErrors#toException}); a body that ends
 * before {@code message_stop} is a broken stream.
 *
 * @since 0.3
 */
public final class AnthropicMessagesStream extends PullChatStream {

    /** A {@code tool_use} block being read. */
    private static final class ToolBlock {
        final int toolIndex;
        final Object startInput;
        boolean gotPieces;

        ToolBlock(int toolIndex, Object startInput) {
            this.toolIndex = toolIndex;
            this.startInput = startInput;
        }
    }

    /** How long to wait for trailing events (a gateway's cost) after {@code message_stop}. */
    private static final Duration AFTER_STOP = Duration.ofSeconds(2);

    private final SseReader events;
    /** The open tool_use blocks, by block index. */
    private final Map<Integer, ToolBlock> toolBlocks = new HashMap<>();

    private final Map<String, Object> usage = new LinkedHashMap<>();

    private int tools;
    private boolean calledTools;
    private String stopReason;
    private boolean finished;

    public AnthropicMessagesStream(UpstreamStream body) {
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
                        body.provider() + " ended the stream before it was complete (no message_stop)");
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
        String name = event.name() != null ? event.name() : data.string("type");
        if (name == null) {
            return null;
        }
        return switch (name) {
            case "message_start" -> {
                JsonObjectView message = data.object("message");
                takeUsage(message == null ? null : message.object("usage"));
                yield null;
            }
            case "content_block_start" -> blockStart(data);
            case "content_block_delta" -> blockDelta(data);
            case "content_block_stop" -> blockStop(data);
            case "message_delta" -> {
                JsonObjectView delta = data.object("delta");
                if (delta != null && delta.string("stop_reason") != null) {
                    stopReason = delta.string("stop_reason");
                }
                takeUsage(data.object("usage"));
                yield null;
            }
            case "message_stop" -> last();
            case "error" -> throw failure(data);
            default -> null; // ping, and events added after this was written
        };
    }

    private ChatChunk blockStart(JsonObjectView data) {
        JsonObjectView block = data.object("content_block");
        Integer index = data.integer("index");
        if (block == null || index == null) {
            throw new ChatException.UpstreamFailure(
                    body.provider() + " sent a content_block_start without its index or block");
        }
        String type = block.string("type");
        if (type == null) {
            return null;
        }
        return switch (type) {
            case "text" -> text(block.string("text"));
            case "thinking" -> reasoning(block.string("thinking"), block.string("signature"));
            case "redacted_thinking" ->
                new ChatChunk(null, null, List.of(), null, null, 0, null, null, block.string("data"));
            case "tool_use" -> {
                int toolIndex = tools++;
                calledTools = true;
                toolBlocks.put(index, new ToolBlock(toolIndex, block.raw("input")));
                yield new ChatChunk(
                        null,
                        null,
                        List.of(new ToolCallDelta(toolIndex, block.string("id"), block.requiredString("name"), null)),
                        null,
                        null);
            }
            default -> null; // server tools' blocks and others: nothing the normalised answer holds
        };
    }

    private ChatChunk blockDelta(JsonObjectView data) {
        JsonObjectView delta = data.object("delta");
        if (delta == null || delta.string("type") == null) {
            return null;
        }
        return switch (delta.string("type")) {
            case "text_delta" -> text(delta.string("text"));
            case "thinking_delta" -> reasoning(delta.string("thinking"), null);
            case "signature_delta" -> reasoning(null, delta.string("signature"));
            case "input_json_delta" -> {
                ToolBlock block = toolBlocks.get(data.integer("index"));
                String piece = delta.string("partial_json");
                if (block == null || piece == null || piece.isEmpty()) {
                    yield null;
                }
                block.gotPieces = true;
                yield new ChatChunk(
                        null, null, List.of(new ToolCallDelta(block.toolIndex, null, null, piece)), null, null);
            }
            default -> null; // citations_delta and others
        };
    }

    /** A tool block's end: its start's {@code input} as the arguments when no pieces came (some upstreams send it whole). */
    private ChatChunk blockStop(JsonObjectView data) {
        ToolBlock block = toolBlocks.remove(data.integer("index"));
        if (block == null || block.gotPieces || !(block.startInput instanceof Map<?, ?> input) || input.isEmpty()) {
            return null;
        }
        return new ChatChunk(
                null,
                null,
                List.of(new ToolCallDelta(block.toolIndex, null, null, JsonCodec.writeString(input))),
                null,
                null);
    }

    private static ChatChunk text(String text) {
        return text == null || text.isEmpty() ? null : ChatChunk.text(text);
    }

    private static ChatChunk reasoning(String thinking, String signature) {
        boolean hasThinking = thinking != null && !thinking.isEmpty();
        boolean hasSignature = signature != null && !signature.isEmpty();
        if (!hasThinking && !hasSignature) {
            return null;
        }
        return new ChatChunk(
                null,
                hasThinking ? thinking : null,
                List.of(),
                null,
                null,
                0,
                null,
                hasSignature ? signature : null,
                null);
    }

    /** Usage fields from {@code message_start} and {@code message_delta}; later values win (output tokens are cumulative). */
    private void takeUsage(JsonObjectView given) {
        if (given != null) {
            given.fields().forEach((key, value) -> {
                if (value != null) {
                    usage.put(key, value);
                }
            });
        }
    }

    private ChatChunk last() {
        finished = true;
        readTrailingEvents();
        body.close();
        FinishReason finish = AnthropicMessagesReplies.finishReason(stopReason);
        if (finish == null) {
            finish = calledTools ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        }
        Usage u = usage.isEmpty()
                ? Usage.NONE
                : AnthropicMessagesReplies.usage(JsonObjectView.of(usage, "usage", ChatException.UpstreamFailure::new));
        return ChatChunk.finish(finish, u);
    }

    /**
     * Events after {@code message_stop} are not part of the answer, but a top-level
     * {@code cost} there is kept: OpenCode Zen sends the call's cost as a last
     * {@code ping} once the upstream's stream has ended.
     */
    private void readTrailingEvents() {
        body.idleTimeout(AFTER_STOP);
        try {
            SseReader.Event event;
            while ((event = events.next()) != null) {
                try {
                    if (JsonCodec.parse(event.data()) instanceof Map<?, ?> data && data.get("cost") != null) {
                        usage.put("cost", data.get("cost"));
                    }
                } catch (JsonCodec.MalformedJsonException e) {
                    // ignored, as anything after message_stop may be
                }
            }
        } catch (ChatException e) {
            // The answer is complete; a stall or cut after message_stop does not undo it.
        }
    }

    private ChatException failure(JsonObjectView data) {
        JsonObjectView error = data.object("error");
        String type = error == null ? null : error.string("type");
        String message = error == null ? null : error.string("message");
        return AnthropicErrors.toException(
                body.provider(), type, message == null ? null : "mid-stream: " + body.redact(message), null);
    }
}
