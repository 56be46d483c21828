package dev.chatd.kit.ollama;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.FinishReason;
import dev.chatd.api.TokenLogprob;
import dev.chatd.api.ToolCall;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.http.UpstreamStream;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiLogprobs;
import dev.chatd.kit.stream.PullChatStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Ollama's streamed {@code /api/chat}: NDJSON, one object a line. Lines carry
 * {@code message.content} / {@code message.thinking} deltas and whole tool calls; the last has
 * {@code done: true}, {@code done_reason} and the counts. A line {@code {"error":…}} is a failure
 * mid-stream; a body that ends before {@code done} is a broken stream.
 */
public final class OllamaChatStream extends PullChatStream {
    private boolean done;
    private int toolCalls;

    public OllamaChatStream(UpstreamStream body) {
        super(body);
    }

    @Override
    protected ChatChunk fetch() {
        while (!done) {
            String line = body.nextLine();
            if (line == null) {
                throw new ChatException.UpstreamFailure(
                        body.provider() + " ended the stream before its final (done) line");
            }
            if (line.isBlank()) {
                continue;
            }
            JsonObjectView object = JsonObjectView.of(
                    parse(line, "stream line"), body.provider() + "'s stream line", ChatException.UpstreamFailure::new);
            if (object.has("error")) {
                throw new ChatException.UpstreamFailure(body.provider() + " failed mid-stream: "
                        + body.redact(UpstreamErrors.errorText(object.raw("error"))));
            }
            JsonObjectView message = object.object("message");
            String content = message == null ? null : message.string("content");
            String thinking = message == null ? null : message.string("thinking");
            List<ToolCallDelta> deltas = message == null ? List.of() : toolCallDeltas(message);
            FinishReason finish = OllamaChatReplies.finishReason(object.string("done_reason"), object.bool("done"));
            Usage usage = null;
            if (finish != null) {
                done = true;
                if (toolCalls > 0 && finish == FinishReason.STOP) {
                    finish = FinishReason.TOOL_CALLS;
                }
                Integer prompt = object.integer("prompt_eval_count");
                Integer completion = object.integer("eval_count");
                usage = Usage.of(prompt == null ? 0 : prompt, completion == null ? 0 : completion);
            }
            List<TokenLogprob> logprobs = OpenAiLogprobs.decodeEntries(object, "logprobs");
            boolean hasText = content != null && !content.isEmpty();
            boolean hasThinking = thinking != null && !thinking.isEmpty();
            boolean hasLogprobs = logprobs != null && !logprobs.isEmpty();
            if (hasText || hasThinking || !deltas.isEmpty() || hasLogprobs || finish != null) {
                return new ChatChunk(
                        hasText ? content : null,
                        hasThinking ? thinking : null,
                        deltas,
                        finish,
                        usage,
                        0,
                        hasLogprobs ? logprobs : null);
            }
        }
        return null;
    }

    private List<ToolCallDelta> toolCallDeltas(JsonObjectView message) {
        List<ToolCall> calls = OllamaToolCalls.decode(message);
        List<ToolCallDelta> deltas = new ArrayList<>(calls.size());
        for (ToolCall call : calls) {
            // Ollama streams each call whole, so each is a delta of its own.
            deltas.add(new ToolCallDelta(toolCalls++, call.id(), call.name(), call.arguments()));
        }
        return deltas;
    }
}
