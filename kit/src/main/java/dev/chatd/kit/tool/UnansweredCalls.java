package dev.chatd.kit.tool;

import dev.chatd.api.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * The calls of a conversation's latest assistant turn that no tool result has answered yet,
 * read in order: what matches a result that names only its function (Ollama's
 * {@code tool_name}, OpenAI's legacy {@code role: "function"}) to the id of its call, which
 * OpenAI-format upstreams need.
 *
 * @since 0.3
 */
public final class UnansweredCalls {
    private List<ToolCall> calls = new ArrayList<>();

    /** An assistant turn: its calls are now the ones waiting for results. */
    public void turn(List<ToolCall> assistantCalls) {
        calls = new ArrayList<>(assistantCalls);
    }

    /**
     * The id of the call a result answers. An id sent is kept. Without one, results answer a
     * turn's calls in order: the first unanswered call of that name (two parallel calls of one
     * function get one result each), else the first unanswered call; null when none is left.
     */
    public String answer(String toolCallId, String toolName) {
        for (int i = 0; i < calls.size(); i++) {
            ToolCall call = calls.get(i);
            boolean answers = toolCallId != null
                    ? toolCallId.equals(call.id())
                    : call.name().equals(toolName);
            if (answers) {
                calls.remove(i);
                return call.id();
            }
        }
        if (toolCallId == null && !calls.isEmpty()) {
            return calls.remove(0).id();
        }
        return toolCallId;
    }
}
