package dev.chatd.api;

import java.util.List;
import java.util.Objects;

/**
 * The log probability of one generated token, and of the likeliest alternatives at its place
 * when the caller asked for them: OpenAI's {@code logprobs.content[]} entry, which Ollama's
 * {@code logprobs[]} and the Responses API's {@code output_text.logprobs[]} share.
 *
 * @param token the token's text
 * @param logprob its log probability
 * @param bytes its UTF-8 bytes, or null when the upstream gives none
 * @param top the likeliest tokens at this place (each without alternatives of its own); empty
 *     unless the request asked for {@code top_logprobs}
 * @since 0.3
 */
public record TokenLogprob(String token, double logprob, List<Integer> bytes, List<TokenLogprob> top) {
    public TokenLogprob {
        Objects.requireNonNull(token, "token");
        bytes = bytes == null ? null : List.copyOf(bytes);
        top = top == null ? List.of() : List.copyOf(top);
    }
}
