package dev.chatd.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One chat message.
 *
 * @param role who wrote it
 * @param content its content parts; empty for an assistant message that only calls tools
 * @param name the participant's name, or null
 * @param toolCalls the tool calls of an assistant message
 * @param toolCallId for a {@code tool} message, the id of the call it answers, or null
 * @param reasoning the model's reasoning text ("thinking"), when the upstream gives it
 * @param extra message fields the normalised model does not name, passed on unchanged
 * @param verbatim the message's content exactly as its client wrote it in one wire format, or
 *     null; see {@link Verbatim} (since 0.3)
 */
public record Message(
        Role role,
        List<ContentPart> content,
        String name,
        List<ToolCall> toolCalls,
        String toolCallId,
        String reasoning,
        Map<String, Object> extra,
        Verbatim verbatim) {

    public Message {
        Objects.requireNonNull(role, "role");
        content = content == null ? List.of() : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        extra = JsonTrees.copyOf(extra);
    }

    /** A message without verbatim content. */
    public Message(
            Role role,
            List<ContentPart> content,
            String name,
            List<ToolCall> toolCalls,
            String toolCallId,
            String reasoning,
            Map<String, Object> extra) {
        this(role, content, name, toolCalls, toolCallId, reasoning, extra, null);
    }

    /**
     * A message's content as its client wrote it, in a format whose blocks carry more than the
     * normalised model names: Anthropic's thinking signatures, {@code redacted_thinking},
     * {@code cache_control} on any block, {@code is_error}. An upstream codec of the same format
     * sends these blocks instead of re-encoding the message, so that nothing is lost on the way
     * through; every other codec ignores them and encodes the normalised fields. A codec uses
     * them only while they still say what the normalised fields say (it decodes them again and
     * compares), so code that changes a message need not clear them.
     *
     * @param format the wire format's name, as its codec names it (e.g. {@code "anthropic-messages"})
     * @param blocks the content blocks as plain JSON trees, in their order
     * @since 0.3
     */
    public record Verbatim(String format, List<Object> blocks) {
        public Verbatim {
            Objects.requireNonNull(format, "format");
            blocks = Collections.unmodifiableList(new ArrayList<>(blocks));
        }
    }

    /** A message whose content is one piece of text. */
    public static Message of(Role role, String text) {
        return new Message(role, List.of(new ContentPart.Text(text)), null, List.of(), null, null, Map.of());
    }

    /**
     * Whether {@code other} says what this message says in the normalised model: role, content,
     * tool calls, the call answered and the reasoning. A format's encoder sends a message's
     * {@link Verbatim} blocks only while the message read back from them says the same.
     *
     * @since 0.3
     */
    public boolean saysTheSameAs(Message other) {
        return role == other.role
                && content.equals(other.content)
                && toolCalls.equals(other.toolCalls)
                && Objects.equals(toolCallId, other.toolCallId)
                && Objects.equals(reasoning, other.reasoning);
    }

    /** The text parts of the content, joined. */
    public String text() {
        if (content.size() == 1 && content.get(0) instanceof ContentPart.Text t) {
            return t.text();
        }
        StringBuilder text = new StringBuilder();
        for (ContentPart part : content) {
            if (part instanceof ContentPart.Text t) {
                text.append(t.text());
            }
        }
        return text.toString();
    }

    /** True when every part is text, so the content can travel as one string. */
    public boolean isTextOnly() {
        for (ContentPart part : content) {
            if (!(part instanceof ContentPart.Text)) {
                return false;
            }
        }
        return true;
    }
}
