package dev.chatd.kit.openai;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonObjectView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI chat-completions requests, both ways: reading one from a client (chatd's native and
 * OpenAI-compatible endpoints) and writing one to an OpenAI-format upstream.
 *
 * @since 0.2
 */
public final class OpenAiChatRequests {
    /** The name of this format, which a {@link ChatRequest}'s extras were written in ({@link ChatRequest#extraFormat()}). */
    public static final String FORMAT = "openai-chat";

    private static final Set<String> MESSAGE_FIELDS =
            Set.of("role", "content", "name", "tool_calls", "tool_call_id", "reasoning_content", "reasoning");

    private static final Set<String> REQUEST_FIELDS = Set.of(
            "model",
            "messages",
            "temperature",
            "top_p",
            "max_tokens",
            "max_completion_tokens",
            "stop",
            "seed",
            "tools",
            "tool_choice",
            "response_format",
            "n",
            "logprobs",
            "top_logprobs",
            "reasoning_effort",
            "stream",
            "stream_options");

    private OpenAiChatRequests() {}

    /**
     * Reads an OpenAI chat-completions request (chatd's native {@code /chat} takes the same).
     * Fields the normalised model does not name are kept as extras. {@code stream} and
     * {@code stream_options} are the ingress's business and are not kept.
     */
    public static ChatRequest decodeRequest(JsonObjectView r) {
        Integer maxTokens =
                r.integer("max_tokens") != null ? r.integer("max_tokens") : r.integer("max_completion_tokens");
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
                .n(choiceCount(r))
                .logprobs(r.bool("logprobs"))
                .topLogprobs(r.integer("top_logprobs"))
                .reasoningEffort(r.string("reasoning_effort"))
                .extra(r.otherThan(REQUEST_FIELDS), FORMAT)
                .build();
    }

    private static Integer choiceCount(JsonObjectView r) {
        Integer n = r.integer("n");
        if (n != null && n < 1) {
            throw r.fail("n is " + n + "; it must be 1 or more");
        }
        return n;
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
        Role role = "developer".equals(roleName)
                ? Role.SYSTEM
                : Role.fromWire(roleName)
                        .orElseThrow(() -> m.fail(
                                m.path("role") + " is '" + roleName + "'; expected system, user, assistant or tool"));
        List<ContentPart> content = decodeContent(m);
        List<ToolCall> toolCalls = OpenAiToolCalls.decode(m);
        if (content.isEmpty()
                && toolCalls.isEmpty()
                && role != Role.ASSISTANT
                && !m.fields().containsKey("content")) {
            throw m.fail(m.path("content") + " is required");
        }
        String reasoning =
                m.string("reasoning_content") != null ? m.string("reasoning_content") : m.string("reasoning");
        return new Message(
                role,
                content,
                m.string("name"),
                toolCalls,
                m.string("tool_call_id"),
                reasoning,
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
                case "text" ->
                    decoded.add(new ContentPart.Text(part.string("text") == null ? "" : part.string("text")));
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
                default ->
                    throw part.fail(part.path("type") + " is '" + type + "'; chatd supports text and image_url parts");
            }
        }
        return decoded;
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
            decoded.add(new Tool(
                    function.requiredString("name"), function.string("description"), function.raw("parameters")));
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
        putIfSet(body, "n", request.n());
        putIfSet(body, "logprobs", request.logprobs());
        putIfSet(body, "top_logprobs", request.topLogprobs());
        putIfSet(body, "reasoning_effort", request.reasoningEffort());
        // OpenAI-format upstreams reject fields they do not know, so extras written in another
        // format (Ollama's options, say) stay behind.
        if (request.extraFormat() == null || FORMAT.equals(request.extraFormat())) {
            request.extra().forEach(body::putIfAbsent);
        }
        body.put("stream", stream);
        if (stream) {
            body.putIfAbsent("stream_options", Map.of("include_usage", true));
        }
        return body;
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
                parts.add(
                        switch (part) {
                            case ContentPart.Text t -> Map.of("type", "text", "text", t.text());
                            case ContentPart.Image i ->
                                Map.of(
                                        "type",
                                        "image_url",
                                        "image_url",
                                        i.detail() == null
                                                ? Map.of("url", i.url())
                                                : Map.of("url", i.url(), "detail", i.detail()));
                        });
            }
            m.put("content", parts);
        }
        putIfSet(m, "name", message.name());
        if (!message.toolCalls().isEmpty()) {
            m.put("tool_calls", OpenAiToolCalls.encode(message.toolCalls()));
        }
        putIfSet(m, "tool_call_id", message.toolCallId());
        message.extra().forEach(m::putIfAbsent);
        return m;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
