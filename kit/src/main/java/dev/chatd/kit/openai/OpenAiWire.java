package dev.chatd.kit.openai;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Dialect;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAI chat-completions wire format, the lingua franca: chatd's native and
 * OpenAI-compatible endpoints read their messages with it, and OpenAI-format upstreams are
 * written and read with it.
 */
public final class OpenAiWire {
    private static final Set<String> MESSAGE_FIELDS =
            Set.of("role", "content", "name", "tool_calls", "tool_call_id", "reasoning_content", "reasoning");

    private static final Set<String> REQUEST_FIELDS = Set.of("model", "messages", "temperature", "top_p",
            "max_tokens", "max_completion_tokens", "stop", "seed", "tools", "tool_choice", "response_format",
            "stream", "stream_options");

    private OpenAiWire() {}

    /**
     * Reads an OpenAI chat-completions request (chatd's native {@code /chat} takes the same).
     * Fields the normalised model does not name are kept as extras. {@code stream} and
     * {@code stream_options} are the ingress's business and are not kept.
     */
    public static ChatRequest decodeRequest(JsonObjectView r) {
        Integer maxTokens = r.integer("max_tokens") != null ? r.integer("max_tokens") : r.integer("max_completion_tokens");
        return ChatRequest.builder()
                .model(r.requiredString("model"))
                .messages(decodeMessages(r, "messages"))
                .temperature(r.decimal("temperature"))
                .topP(r.decimal("top_p"))
                .maxTokens(maxTokens)
                .stop(r.strings("stop"))
                .seed(r.longInteger("seed"))
                .tools(decodeTools(r, "tools"))
                .toolChoice(r.raw("tool_choice"))
                .responseFormat(r.raw("response_format"))
                .extra(r.otherThan(REQUEST_FIELDS), Dialect.OPENAI)
                .build();
    }

    /** Reads an OpenAI {@code messages} array; errors name the offending path. */
    public static List<Message> decodeMessages(JsonObjectView request, String key) {
        List<Object> array = request.array(key);
        if (array == null || array.isEmpty()) {
            throw request.fail(request.path(key) + " is required and must hold at least one message");
        }
        List<Message> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            messages.add(decodeMessage(request.at(array.get(i), request.path(key) + "[" + i + "]")));
        }
        return messages;
    }

    public static Message decodeMessage(JsonObjectView m) {
        String roleName = m.requiredString("role");
        Role role = "developer".equals(roleName) ? Role.SYSTEM : Role.fromWire(roleName).orElseThrow(() ->
                m.fail(m.path("role") + " is '" + roleName + "'; expected system, user, assistant or tool"));
        List<ContentPart> content = decodeContent(m);
        List<ToolCall> toolCalls = decodeToolCalls(m);
        if (content.isEmpty() && toolCalls.isEmpty() && role != Role.ASSISTANT && !m.fields().containsKey("content")) {
            throw m.fail(m.path("content") + " is required");
        }
        String reasoning = m.string("reasoning_content") != null ? m.string("reasoning_content") : m.string("reasoning");
        return new Message(role, content, m.string("name"), toolCalls, m.string("tool_call_id"), reasoning,
                m.otherThan(MESSAGE_FIELDS));
    }

    private static List<ContentPart> decodeContent(JsonObjectView m) {
        Object content = m.raw("content");
        if (content == null) {
            return List.of();
        }
        if (content instanceof String text) {
            return List.of(new ContentPart.Text(text));
        }
        List<Object> parts = m.array("content");
        if (parts == null) {
            throw m.fail(m.path("content") + " must be a string or an array of parts");
        }
        List<ContentPart> decoded = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            JsonObjectView part = m.at(parts.get(i), m.path("content") + "[" + i + "]");
            String type = part.requiredString("type");
            switch (type) {
                case "text" -> decoded.add(new ContentPart.Text(part.string("text") == null ? "" : part.string("text")));
                case "image_url" -> {
                    Object image = part.raw("image_url");
                    if (image instanceof String url) {
                        decoded.add(new ContentPart.Image(url, null));
                    } else {
                        JsonObjectView img = part.object("image_url");
                        if (img == null) {
                            throw part.fail(part.path("image_url") + " is required");
                        }
                        decoded.add(new ContentPart.Image(img.requiredString("url"), img.string("detail")));
                    }
                }
                default -> throw part.fail(part.path("type") + " is '" + type + "'; chatd supports text and image_url parts");
            }
        }
        return decoded;
    }

    private static List<ToolCall> decodeToolCalls(JsonObjectView m) {
        List<Object> calls = m.array("tool_calls");
        if (calls == null) {
            return List.of();
        }
        List<ToolCall> decoded = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            JsonObjectView call = m.at(calls.get(i), m.path("tool_calls") + "[" + i + "]");
            JsonObjectView function = call.object("function");
            if (function == null) {
                throw call.fail(call.path("function") + " is required");
            }
            decoded.add(new ToolCall(call.string("id"), function.requiredString("name"), arguments(function)));
        }
        return decoded;
    }

    /** OpenAI sends arguments as JSON text; accept an object too, from clients that send one. */
    private static String arguments(JsonObjectView function) {
        return argumentsText(function.raw("arguments"));
    }

    /**
     * Tool-call arguments as OpenAI's JSON text, whether they came as text or as a JSON object
     * (Ollama, and clients that send one); null stays null ({@link ToolCall} makes it {@code {}}).
     */
    public static String argumentsText(Object arguments) {
        return arguments == null || arguments instanceof String ? (String) arguments : JsonCodec.writeString(arguments);
    }

    /** Reads an OpenAI {@code tools} array of function tools. */
    public static List<Tool> decodeTools(JsonObjectView request, String key) {
        List<Object> tools = request.array(key);
        if (tools == null) {
            return List.of();
        }
        List<Tool> decoded = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            JsonObjectView tool = request.at(tools.get(i), request.path(key) + "[" + i + "]");
            String type = tool.string("type");
            if (type != null && !"function".equals(type)) {
                throw tool.fail(tool.path("type") + " is '" + type + "'; chatd supports function tools");
            }
            JsonObjectView function = tool.object("function");
            if (function == null) {
                throw tool.fail(tool.path("function") + " is required");
            }
            decoded.add(new Tool(function.requiredString("name"), function.string("description"), function.raw("parameters")));
        }
        return decoded;
    }

    /** Writes a tool in OpenAI's (and Ollama's) shape. */
    public static Map<String, Object> encodeTool(Tool tool) {
        Map<String, Object> function = new java.util.LinkedHashMap<>();
        function.put("name", tool.name());
        if (tool.description() != null) {
            function.put("description", tool.description());
        }
        if (tool.parameters() != null) {
            function.put("parameters", tool.parameters());
        }
        return Map.of("type", "function", "function", function);
    }

    // ---- requests to OpenAI-format upstreams ----

    /** The body of a {@code POST /chat/completions}. Extras travel through unchanged. */
    public static Map<String, Object> encodeChat(ChatRequest request, boolean stream) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        List<Object> messages = new ArrayList<>(request.messages().size());
        for (Message message : request.messages()) {
            messages.add(encodeMessage(message));
        }
        body.put("messages", messages);
        putIfSet(body, "temperature", request.temperature());
        putIfSet(body, "top_p", request.topP());
        putIfSet(body, "max_tokens", request.maxTokens());
        if (!request.stop().isEmpty()) {
            body.put("stop", request.stop());
        }
        putIfSet(body, "seed", request.seed());
        if (!request.tools().isEmpty()) {
            List<Object> tools = new ArrayList<>(request.tools().size());
            for (Tool tool : request.tools()) {
                tools.add(encodeTool(tool));
            }
            body.put("tools", tools);
        }
        putIfSet(body, "tool_choice", request.toolChoice());
        putIfSet(body, "response_format", request.responseFormat());
        if (request.extraDialect() == Dialect.OPENAI) {
            request.extra().forEach(body::putIfAbsent);
        }
        body.put("stream", stream);
        if (stream) {
            body.putIfAbsent("stream_options", Map.of("include_usage", true));
        }
        return body;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    public static Map<String, Object> encodeMessage(Message message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", message.role().wire());
        if (message.content().isEmpty()) {
            m.put("content", message.toolCalls().isEmpty() ? "" : null);
        } else if (message.isTextOnly() && message.content().size() == 1) {
            m.put("content", message.text());
        } else {
            List<Object> parts = new ArrayList<>(message.content().size());
            for (ContentPart part : message.content()) {
                parts.add(switch (part) {
                    case ContentPart.Text t -> Map.of("type", "text", "text", t.text());
                    case ContentPart.Image i -> Map.of("type", "image_url", "image_url", i.detail() == null
                            ? Map.of("url", i.url()) : Map.of("url", i.url(), "detail", i.detail()));
                });
            }
            m.put("content", parts);
        }
        putIfSet(m, "name", message.name());
        if (!message.toolCalls().isEmpty()) {
            List<Object> calls = new ArrayList<>(message.toolCalls().size());
            for (ToolCall call : message.toolCalls()) {
                Map<String, Object> c = new LinkedHashMap<>();
                putIfSet(c, "id", call.id());
                c.put("type", "function");
                c.put("function", Map.of("name", call.name(), "arguments", call.arguments()));
                calls.add(c);
            }
            m.put("tool_calls", calls);
        }
        putIfSet(m, "tool_call_id", message.toolCallId());
        message.extra().forEach(m::putIfAbsent);
        return m;
    }

    // ---- replies from OpenAI-format upstreams ----

    /**
     * Reads a {@code chat.completion}. A reply without choices, or whose choice carries an
     * {@code error} (OpenRouter, after generation started), fails as a 502.
     */
    public static ChatResponse decodeChat(Object tree, String provider) {
        JsonObjectView reply = JsonObjectView.of(tree, provider + "'s reply", ChatException.UpstreamFailure::new);
        if (reply.has("error")) {
            throw new ChatException.UpstreamFailure(provider + " reported an error: " + errorText(reply.raw("error")));
        }
        List<Object> choices = reply.array("choices");
        if (choices == null || choices.isEmpty()) {
            throw reply.fail(provider + "'s reply has no choices");
        }
        JsonObjectView choice = reply.at(choices.get(0), "choices[0]");
        if (choice.has("error")) {
            throw new ChatException.UpstreamFailure(provider + " failed while generating: " + errorText(choice.raw("error")));
        }
        JsonObjectView message = choice.object("message");
        if (message == null) {
            throw reply.fail(provider + "'s reply has no choices[0].message");
        }
        String content = message.string("content");
        List<ToolCall> toolCalls = decodeToolCalls(message);
        String reasoning = message.string("reasoning_content") != null ? message.string("reasoning_content")
                : message.string("reasoning");
        Message assistant = new Message(Role.ASSISTANT,
                content == null || content.isEmpty() ? List.of() : List.of(new ContentPart.Text(content)),
                null, toolCalls, null, reasoning, Map.of());
        FinishReason finish = finishReason(choice.string("finish_reason"), choice.string("native_finish_reason"));
        if (finish == null) {
            finish = toolCalls.isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS;
        }
        JsonObjectView usageNode = reply.object("usage") != null ? reply.object("usage") : choice.object("usage");
        return new ChatResponse(reply.string("id"), reply.string("model"), assistant, finish,
                usage(usageNode, reply.raw("cost")));
    }

    /**
     * The normalised finish reason: OpenAI's own values as they are, the deprecated
     * {@code function_call} as {@code tool_calls}; when the upstream's value is missing or
     * unknown, the raw upstream value (OpenRouter's {@code native_finish_reason}) is tried.
     * Null when neither says anything.
     */
    public static FinishReason finishReason(String finishReason, String nativeFinishReason) {
        FinishReason reason = mapFinish(finishReason);
        return reason != null ? reason : mapFinish(nativeFinishReason);
    }

    private static FinishReason mapFinish(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        // Raw upstream values vary in case: Google's native reasons are MAX_TOKENS, SAFETY.
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "function_call", "tool_use" -> FinishReason.TOOL_CALLS;
            case "end_turn", "stop_sequence", "eos" -> FinishReason.STOP;
            case "max_tokens", "model_length" -> FinishReason.LENGTH;
            case "safety", "content_filtered", "recitation" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.fromWire(value.toLowerCase(Locale.ROOT)).orElse(null);
        };
    }

    /** Usage from an OpenAI {@code usage} object, with the cost from it or from a top-level {@code cost}. */
    public static Usage usage(JsonObjectView usage, Object topLevelCost) {
        BigDecimal cost = cost(topLevelCost);
        if (usage == null) {
            return cost == null ? Usage.NONE : Usage.NONE.withCost(cost);
        }
        Integer prompt = usage.integer("prompt_tokens");
        Integer completion = usage.integer("completion_tokens");
        Integer total = usage.integer("total_tokens");
        int p = prompt == null ? 0 : prompt;
        int c = completion == null ? 0 : completion;
        BigDecimal usageCost = cost(usage.raw("cost"));
        return new Usage(p, c, total == null ? p + c : total, usageCost != null ? usageCost : cost);
    }

    /** A cost as a number or as a numeric string (OpenCode Zen sends {@code "cost":"0.00001234"}). */
    private static BigDecimal cost(Object cost) {
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

    private static String errorText(Object error) {
        if (error instanceof Map<?, ?> e && e.get("message") instanceof String s) {
            return s;
        }
        return error instanceof String s ? s : JsonCodec.writeString(error);
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

    // ---- chatd's OpenAI-compatible endpoint: replies to OpenAI clients ----

    /** A {@code chat.completion} for an OpenAI client. */
    public static Map<String, Object> encodeResponse(String id, long created, String model, ChatResponse response) {
        Message m = response.message();
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", m.content().isEmpty() && !m.toolCalls().isEmpty() ? null : m.text());
        if (m.reasoning() != null) {
            message.put("reasoning_content", m.reasoning());
        }
        if (!m.toolCalls().isEmpty()) {
            message.put("tool_calls", encodeMessage(m).get("tool_calls"));
        }
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("logprobs", null);
        choice.put("finish_reason", response.finishReason().wire());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", "chat.completion");
        body.put("created", created);
        body.put("model", model);
        body.put("choices", List.of(choice));
        body.put("usage", encodeUsage(response.usage()));
        return body;
    }

    public static Map<String, Object> encodeUsage(Usage usage) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
        if (usage.cost() != null) {
            u.put("cost", usage.cost());
        }
        return u;
    }

    /**
     * A {@code chat.completion.chunk} with one choice whose delta is built from {@code chunk}'s
     * content, reasoning and tool calls; {@code finishReason} may be null.
     */
    public static Map<String, Object> encodeChunk(String id, long created, String model, Map<String, Object> delta,
            FinishReason finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("delta", delta);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason == null ? null : finishReason.wire());
        Map<String, Object> body = chunkHead(id, created, model);
        body.put("choices", List.of(choice));
        return body;
    }

    /** The usage chunk that {@code stream_options.include_usage} asks for: no choices, just usage. */
    public static Map<String, Object> encodeUsageChunk(String id, long created, String model, Usage usage) {
        Map<String, Object> body = chunkHead(id, created, model);
        body.put("choices", List.of());
        body.put("usage", encodeUsage(usage));
        return body;
    }

    private static Map<String, Object> chunkHead(String id, long created, String model) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", "chat.completion.chunk");
        body.put("created", created);
        body.put("model", model);
        return body;
    }

    /** A delta in OpenAI's shape: {@code content}, {@code reasoning_content}, {@code tool_calls}. */
    public static Map<String, Object> encodeDelta(dev.chatd.api.ChatChunk chunk) {
        Map<String, Object> delta = new LinkedHashMap<>();
        if (chunk.content() != null) {
            delta.put("content", chunk.content());
        }
        if (chunk.reasoning() != null) {
            delta.put("reasoning_content", chunk.reasoning());
        }
        if (!chunk.toolCalls().isEmpty()) {
            List<Object> calls = new ArrayList<>(chunk.toolCalls().size());
            for (dev.chatd.api.ToolCallDelta call : chunk.toolCalls()) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("index", call.index());
                if (call.id() != null) {
                    c.put("id", call.id());
                    c.put("type", "function");
                }
                Map<String, Object> function = new LinkedHashMap<>();
                if (call.name() != null) {
                    function.put("name", call.name());
                }
                if (call.argumentsFragment() != null) {
                    function.put("arguments", call.argumentsFragment());
                }
                c.put("function", function);
                calls.add(c);
            }
            delta.put("tool_calls", calls);
        }
        return delta;
    }
}
