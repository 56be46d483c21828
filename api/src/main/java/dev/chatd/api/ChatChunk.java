package dev.chatd.api;

import java.util.List;

/**
 * One piece of a streamed answer. Any field may be null or empty. The last chunk of a stream
 * carries the first choice's {@link #finishReason()} and, where the upstream reports it, the
 * {@link #usage()}.
 *
 * <p>When the request asked for several choices ({@code n}), each chunk belongs to the choice
 * at its {@link #index()}; a chunk of another choice than the first with a finish reason ends
 * that choice only, and comes before the stream's last chunk.
 *
 * @param index the choice this chunk belongs to, 0 unless the request asked for several
 * @param logprobs the log probabilities of this chunk's content tokens, or null
 * @param reasoningSignature a piece of the opaque signature that seals the reasoning streamed
 *     so far (Anthropic's {@code signature_delta}), to be concatenated and sent back unchanged to
 *     the upstream that made it; null in most chunks (since 0.3)
 * @param redactedReasoning one whole block of reasoning the upstream sent encrypted (Anthropic's
 *     {@code redacted_thinking} data), to be sent back unchanged; null in most chunks (since 0.3)
 */
public record ChatChunk(
        String content,
        String reasoning,
        List<ToolCallDelta> toolCalls,
        FinishReason finishReason,
        Usage usage,
        int index,
        List<TokenLogprob> logprobs,
        String reasoningSignature,
        String redactedReasoning) {

    public ChatChunk {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        logprobs = logprobs == null ? null : List.copyOf(logprobs);
    }

    /** A chunk without reasoning signature or redacted reasoning. */
    public ChatChunk(
            String content,
            String reasoning,
            List<ToolCallDelta> toolCalls,
            FinishReason finishReason,
            Usage usage,
            int index,
            List<TokenLogprob> logprobs) {
        this(content, reasoning, toolCalls, finishReason, usage, index, logprobs, null, null);
    }

    /** A chunk of the first choice, without log probabilities. */
    public ChatChunk(
            String content, String reasoning, List<ToolCallDelta> toolCalls, FinishReason finishReason, Usage usage) {
        this(content, reasoning, toolCalls, finishReason, usage, 0, null);
    }

    public static ChatChunk text(String content) {
        return new ChatChunk(content, null, List.of(), null, null);
    }

    public static ChatChunk finish(FinishReason reason, Usage usage) {
        return new ChatChunk(null, null, List.of(), reason, usage);
    }

    /** Whether this is the stream's last chunk: the first choice's finish. */
    public boolean isFinal() {
        return finishReason != null && index == 0;
    }
}
