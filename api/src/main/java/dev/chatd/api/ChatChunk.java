package dev.chatd.api;

import java.util.List;

/**
 * One piece of a streamed answer. Any field may be null or empty; the last chunk of a stream
 * carries the {@link #finishReason()} and, where the upstream reports it, the {@link #usage()}.
 */
public record ChatChunk(
        String content, String reasoning, List<ToolCallDelta> toolCalls, FinishReason finishReason, Usage usage) {

    public ChatChunk {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ChatChunk text(String content) {
        return new ChatChunk(content, null, List.of(), null, null);
    }

    public static ChatChunk finish(FinishReason reason, Usage usage) {
        return new ChatChunk(null, null, List.of(), reason, usage);
    }

    public boolean isFinal() {
        return finishReason != null;
    }
}
