package dev.chatd.kit.ollama;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.Role;
import dev.chatd.api.TokenLogprob;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiLogprobs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole Ollama {@code /api/chat} replies, both ways: reading one (and the {@code GET /api/tags}
 * list) from an Ollama upstream, and writing one for an Ollama client.
 *
 * @since 0.2
 */
public final class OllamaChatReplies {
    private OllamaChatReplies() {}

    /** Reads a non-streaming {@code /api/chat} reply. A reply that is not one fails as a 502. */
    public static ChatResponse decodeChat(Object tree, String provider) {
        JsonObjectView reply = UpstreamErrors.successBody(tree, provider);
        JsonObjectView message = reply.object("message");
        if (message == null) {
            throw reply.fail(provider + "'s reply has no message");
        }
        List<ToolCall> toolCalls = OllamaToolCalls.decode(message);
        String content = message.string("content");
        Message assistant = new Message(
                Role.ASSISTANT,
                content == null || content.isEmpty() ? List.of() : List.of(new ContentPart.Text(content)),
                null,
                toolCalls,
                null,
                message.string("thinking"),
                Map.of());
        FinishReason finish = finishReason(reply.string("done_reason"), reply.bool("done"));
        if (finish == null) {
            // A single reply is the whole answer even when a proxy dropped "done".
            finish = FinishReason.STOP;
        }
        if (!toolCalls.isEmpty() && finish == FinishReason.STOP) {
            // Ollama says "stop" after a tool call; callers act on "tool_calls".
            finish = FinishReason.TOOL_CALLS;
        }
        Integer prompt = reply.integer("prompt_eval_count");
        Integer completion = reply.integer("eval_count");
        Usage usage = Usage.of(prompt == null ? 0 : prompt, completion == null ? 0 : completion);
        return new ChatResponse(
                null,
                reply.string("model"),
                List.of(new ChatResponse.Choice(assistant, finish, OpenAiLogprobs.decodeEntries(reply, "logprobs"))),
                usage);
    }

    /**
     * The finish-reason ladder: {@code done_reason} when present ({@code length} stays
     * {@code length}; {@code stop}, {@code load}, {@code unload} are {@code stop}); servers older
     * than 0.1.35 send none, and then {@code done: true} means {@code stop}. Null while not done.
     */
    public static FinishReason finishReason(String doneReason, Boolean done) {
        if (doneReason != null && !doneReason.isEmpty()) {
            return switch (doneReason) {
                case "length" -> FinishReason.LENGTH;
                case "stop", "load", "unload" -> FinishReason.STOP;
                default -> FinishReason.fromWire(doneReason).orElse(FinishReason.STOP);
            };
        }
        return Boolean.TRUE.equals(done) ? FinishReason.STOP : null;
    }

    /** Reads {@code GET /api/tags}: {@code {"models":[{"name":…,"size":…},…]}}. */
    public static List<ModelInfo> decodeTags(Object tree, String provider) {
        JsonObjectView reply = JsonObjectView.of(tree, provider + "'s model list", ChatException.UpstreamFailure::new);
        List<Object> models = reply.array("models");
        List<ModelInfo> infos = new ArrayList<>();
        if (models == null) {
            return infos;
        }
        for (int i = 0; i < models.size(); i++) {
            JsonObjectView model = reply.at(models.get(i), "models[" + i + "]");
            String name = model.string("name") != null ? model.string("name") : model.string("model");
            if (name != null) {
                Long size = model.longInteger("size");
                infos.add(new ModelInfo(name, provider, size == null ? 0 : size));
            }
        }
        return infos;
    }

    /** A non-streaming {@code /api/chat} reply for an Ollama client. */
    public static Map<String, Object> encodeResponse(
            String model, String createdAt, ChatResponse response, long totalDurationNanos) {
        Map<String, Object> body = head(
                model,
                createdAt,
                replyMessage(
                        response.message().text(),
                        response.message().reasoning(),
                        response.message().toolCalls()));
        List<TokenLogprob> logprobs = response.choices().get(0).logprobs();
        if (logprobs != null) {
            body.put("logprobs", OpenAiLogprobs.encodeEntries(logprobs));
        }
        putDone(body, response.finishReason(), response.usage(), totalDurationNanos);
        return body;
    }

    static Map<String, Object> head(String model, String createdAt, Map<String, Object> message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("created_at", createdAt);
        body.put("message", message);
        return body;
    }

    static Map<String, Object> replyMessage(String content, String thinking, List<ToolCall> toolCalls) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", content);
        if (thinking != null) {
            message.put("thinking", thinking);
        }
        if (!toolCalls.isEmpty()) {
            message.put("tool_calls", OllamaToolCalls.encodeForClient(toolCalls));
        }
        return message;
    }

    static void putDone(Map<String, Object> body, FinishReason reason, Usage usage, long totalDurationNanos) {
        body.put("done", true);
        body.put("done_reason", reason == FinishReason.LENGTH ? "length" : "stop");
        body.put("total_duration", totalDurationNanos);
        body.put("load_duration", 0);
        body.put("prompt_eval_count", usage.promptTokens());
        body.put("prompt_eval_duration", 0);
        body.put("eval_count", usage.completionTokens());
        body.put("eval_duration", 0);
    }
}
