package dev.chatd.kit.openai;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.Role;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.json.JsonObjectView;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whole OpenAI chat-completions replies, both ways: reading a {@code chat.completion} (and the
 * {@code GET /models} list) from an OpenAI-format upstream, and writing one for an OpenAI client.
 * Plain OpenAI only: what a particular upstream does differently is normalised by its provider's
 * hooks before the reply gets here.
 *
 * @since 0.2
 */
public final class OpenAiChatReplies {
    private OpenAiChatReplies() {}

    /**
     * Reads a {@code chat.completion}. A reply with a top-level {@code error}, or without
     * choices, fails as a 502.
     */
    public static ChatResponse decodeChat(Object tree, String provider) {
        JsonObjectView reply = UpstreamErrors.successBody(tree, provider);
        List<Object> choices = reply.array("choices");
        if (choices == null || choices.isEmpty()) {
            throw reply.fail(provider + "'s reply has no choices");
        }
        List<ChatResponse.Choice> decoded = new ArrayList<>(choices.size());
        for (int i = 0; i < choices.size(); i++) {
            decoded.add(decodeChoice(reply.at(choices.get(i), "choices[" + i + "]"), provider));
        }
        return new ChatResponse(reply.string("id"), reply.string("model"), decoded, usage(reply.object("usage")));
    }

    private static ChatResponse.Choice decodeChoice(JsonObjectView choice, String provider) {
        JsonObjectView message = choice.object("message");
        if (message == null) {
            throw choice.fail(provider + "'s reply has no " + choice.path("message"));
        }
        String content = message.string("content");
        List<ToolCall> toolCalls = OpenAiToolCalls.decode(message);
        String reasoning = message.string("reasoning_content") != null
                ? message.string("reasoning_content")
                : message.string("reasoning");
        Message assistant = new Message(
                Role.ASSISTANT,
                content == null || content.isEmpty() ? List.of() : List.of(new ContentPart.Text(content)),
                null,
                toolCalls,
                null,
                reasoning,
                Map.of());
        FinishReason finish = finishReason(choice.string("finish_reason"));
        if (finish == null) {
            finish = toolCalls.isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS;
        }
        return new ChatResponse.Choice(assistant, finish, OpenAiLogprobs.decodeChoice(choice));
    }

    /**
     * The normalised finish reason: OpenAI's own values as they are, the deprecated
     * {@code function_call} as {@code tool_calls}. Null when the value is missing or is none of
     * these (an upstream's own vocabulary is its provider's to map, in a hook).
     */
    public static FinishReason finishReason(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        return "function_call".equals(lower)
                ? FinishReason.TOOL_CALLS
                : FinishReason.fromWire(lower).orElse(null);
    }

    /**
     * Usage from an OpenAI {@code usage} object, with its {@code cost} (OpenRouter's and other
     * OpenAI-compatible upstreams' extension) as a number or a numeric string.
     */
    public static Usage usage(JsonObjectView usage) {
        if (usage == null) {
            return Usage.NONE;
        }
        Integer prompt = usage.integer("prompt_tokens");
        Integer completion = usage.integer("completion_tokens");
        Integer total = usage.integer("total_tokens");
        int p = prompt == null ? 0 : prompt;
        int c = completion == null ? 0 : completion;
        return new Usage(p, c, total == null ? p + c : total, cost(usage.raw("cost")))
                .withDetails(cachedTokens(usage), detail(usage, "completion_tokens_details", "reasoning_tokens"));
    }

    /**
     * Prompt tokens read from the cache: OpenAI's {@code prompt_tokens_details.cached_tokens},
     * else Moonshot's (Kimi's) top-level {@code cached_tokens}, else DeepSeek's
     * {@code prompt_cache_hit_tokens}.
     */
    private static Integer cachedTokens(JsonObjectView usage) {
        Integer cached = detail(usage, "prompt_tokens_details", "cached_tokens");
        if (cached == null) {
            cached = usage.integer("cached_tokens");
        }
        return cached != null ? cached : usage.integer("prompt_cache_hit_tokens");
    }

    private static Integer detail(JsonObjectView usage, String details, String key) {
        JsonObjectView object = usage.object(details);
        return object == null ? null : object.integer(key);
    }

    /** A cost as a number or as a numeric string; null for anything else. */
    public static BigDecimal cost(Object cost) {
        if (cost instanceof BigDecimal d) {
            return d;
        }
        if (cost instanceof String s && !s.isBlank()) {
            try {
                return new BigDecimal(s.strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** Reads {@code GET /models}: {@code {"object":"list","data":[{"id":…,"owned_by":…},…]}}. */
    public static List<ModelInfo> decodeModels(Object tree, String provider) {
        JsonObjectView reply = JsonObjectView.of(tree, provider + "'s model list", ChatException.UpstreamFailure::new);
        List<Object> data = reply.array("data");
        List<ModelInfo> infos = new ArrayList<>();
        if (data == null) {
            return infos;
        }
        for (int i = 0; i < data.size(); i++) {
            JsonObjectView model = reply.at(data.get(i), "data[" + i + "]");
            String id = model.string("id");
            if (id != null) {
                infos.add(new ModelInfo(id, model.string("owned_by") != null ? model.string("owned_by") : provider, 0));
            }
        }
        return infos;
    }

    /** A {@code chat.completion} for an OpenAI client, every choice of the response in it. */
    public static Map<String, Object> encodeResponse(String id, long created, String model, ChatResponse response) {
        return encodeResponse(id, created, model, response, OpenAiToolCalls.Shape.TOOL_CALLS);
    }

    /**
     * A {@code chat.completion} for an OpenAI client, every choice of the response in it, their
     * tool calls in {@code shape}.
     *
     * @since 0.3
     */
    public static Map<String, Object> encodeResponse(
            String id, long created, String model, ChatResponse response, OpenAiToolCalls.Shape shape) {
        List<Object> choices = new ArrayList<>(response.choices().size());
        for (int i = 0; i < response.choices().size(); i++) {
            choices.add(encodeChoice(i, response.choices().get(i), shape));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", "chat.completion");
        body.put("created", created);
        body.put("model", model);
        body.put("choices", choices);
        body.put("usage", encodeUsage(response.usage()));
        return body;
    }

    private static Map<String, Object> encodeChoice(int index, ChatResponse.Choice c, OpenAiToolCalls.Shape shape) {
        Message m = c.message();
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", m.content().isEmpty() && !m.toolCalls().isEmpty() ? null : m.text());
        if (m.reasoning() != null) {
            message.put("reasoning_content", m.reasoning());
        }
        if (!m.toolCalls().isEmpty()) {
            if (shape == OpenAiToolCalls.Shape.FUNCTION_CALL) {
                message.put(
                        "function_call",
                        OpenAiToolCalls.encodeFunctionCall(m.toolCalls().getFirst()));
            } else {
                message.put("tool_calls", OpenAiToolCalls.encode(m.toolCalls()));
            }
        }
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", index);
        choice.put("message", message);
        choice.put("logprobs", OpenAiLogprobs.encodeChoice(c.logprobs()));
        choice.put("finish_reason", shape.finishReason(c.finishReason()));
        return choice;
    }

    /** OpenAI's {@code usage}, with {@code prompt_tokens_details} and {@code completion_tokens_details} where known. */
    public static Map<String, Object> encodeUsage(Usage usage) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
        if (usage.cachedTokens() != null) {
            u.put("prompt_tokens_details", Map.of("cached_tokens", usage.cachedTokens()));
        }
        if (usage.reasoningTokens() != null) {
            u.put("completion_tokens_details", Map.of("reasoning_tokens", usage.reasoningTokens()));
        }
        if (usage.cost() != null) {
            u.put("cost", usage.cost());
        }
        return u;
    }
}
