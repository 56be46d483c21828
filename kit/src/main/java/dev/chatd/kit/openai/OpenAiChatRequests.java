package dev.chatd.kit.openai;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.tool.ToolCallIds;
import dev.chatd.kit.tool.UnansweredCalls;
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

    private static final Set<String> MESSAGE_FIELDS = Set.of(
            "role", "content", "name", "tool_calls", "tool_call_id", "reasoning_content", "reasoning", "function_call");

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
            "functions",
            "function_call",
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
     * {@code stream_options} are the ingress's business and are not kept. OpenAI's deprecated
     * function calling ({@code functions}, {@code function_call}, an assistant's
     * {@code function_call}, {@code role: "function"}) becomes tools, tool choice, tool calls
     * and tool messages, so that an upstream sees only the current shape.
     */
    public static ChatRequest decodeRequest(JsonObjectView r) {
        Integer maxTokens =
                r.integer("max_tokens") != null ? r.integer("max_tokens") : r.integer("max_completion_tokens");
        List<Tool> tools = new ArrayList<>(decodeTools(r, "tools"));
        tools.addAll(decodeFunctions(r));
        return ChatRequest.builder()
                .model(r.requiredString("model"))
                .messages(decodeMessages(r, "messages"))
                .temperature(r.decimal("temperature"))
                .topP(r.decimal("top_p"))
                .maxTokens(maxTokens)
                .stop(r.strings("stop"))
                .seed(r.longInteger("seed"))
                .tools(tools)
                .toolChoice(r.has("tool_choice") ? r.raw("tool_choice") : functionChoice(r))
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

    /**
     * Whether the client asked in OpenAI's deprecated function-calling shape ({@code functions}
     * without {@code tools}), and so expects its answer in that shape too.
     */
    public static boolean usesFunctions(JsonObjectView r) {
        return r.has("functions") && !r.has("tools");
    }

    /** The deprecated {@code functions}: each one a function tool's {@code function} object. */
    private static List<Tool> decodeFunctions(JsonObjectView r) {
        List<Object> functions = r.array("functions");
        if (functions == null) {
            return List.of();
        }
        List<Tool> decoded = new ArrayList<>(functions.size());
        for (int i = 0; i < functions.size(); i++) {
            JsonObjectView function = r.at(functions.get(i), r.path("functions") + "[" + i + "]");
            decoded.add(new Tool(
                    function.requiredString("name"), function.string("description"), function.raw("parameters")));
        }
        return decoded;
    }

    /** The deprecated {@code function_call} as a {@code tool_choice}; null when absent. */
    private static Object functionChoice(JsonObjectView r) {
        Object choice = r.raw("function_call");
        if (choice == null || "none".equals(choice) || "auto".equals(choice)) {
            return choice;
        }
        JsonObjectView named = choice instanceof Map<?, ?> ? r.object("function_call") : null;
        if (named == null || named.string("name") == null) {
            throw r.fail(r.path("function_call") + " must be \"none\", \"auto\" or {\"name\": \"<function>\"}");
        }
        return Map.of("type", "function", "function", Map.of("name", named.string("name")));
    }

    /**
     * Reads an OpenAI {@code messages} array; errors name the offending path. An assistant's
     * tool call without an id gets one, and a tool result without the id of its call (OpenAI's
     * deprecated {@code role: "function"} has none) gets the id of the call it answers, found
     * by the function's name, so that any upstream can match the two.
     */
    public static List<Message> decodeMessages(JsonObjectView request, String key) {
        List<Object> array = request.array(key);
        if (array == null || array.isEmpty()) {
            throw request.fail(request.path(key) + " is required and must hold at least one message");
        }
        List<Message> messages = new ArrayList<>(array.size());
        UnansweredCalls unanswered = new UnansweredCalls();
        for (int i = 0; i < array.size(); i++) {
            Message message = decodeMessage(request.at(array.get(i), request.path(key) + "[" + i + "]"));
            if (message.role() == Role.ASSISTANT) {
                message = withCallIds(message, i);
                unanswered.turn(message.toolCalls());
            } else if (message.role() == Role.TOOL) {
                message = answering(message, unanswered.answer(message.toolCallId(), message.name()));
            }
            messages.add(message);
        }
        return messages;
    }

    private static Message withCallIds(Message message, int position) {
        List<ToolCall> calls = message.toolCalls();
        if (calls.stream().allMatch(call -> call.id() != null)) {
            return message;
        }
        List<ToolCall> identified = new ArrayList<>(calls.size());
        for (int c = 0; c < calls.size(); c++) {
            ToolCall call = calls.get(c);
            identified.add(
                    call.id() != null
                            ? call
                            : new ToolCall(ToolCallIds.forPosition(position, c), call.name(), call.arguments()));
        }
        return new Message(
                message.role(),
                message.content(),
                message.name(),
                identified,
                message.toolCallId(),
                message.reasoning(),
                message.extra());
    }

    /**
     * A tool result answering the call {@code callId}. A result that had no id loses the
     * function's name once its call is known: a tool message carries only the id, and Ollama
     * finds the name from the call.
     */
    private static Message answering(Message result, String callId) {
        if (callId == null || callId.equals(result.toolCallId())) {
            return result;
        }
        return new Message(
                Role.TOOL,
                result.content(),
                result.toolCallId() == null ? null : result.name(),
                result.toolCalls(),
                callId,
                result.reasoning(),
                result.extra());
    }

    /**
     * Reads one OpenAI message. The deprecated {@code role: "function"} (which needs a
     * {@code name}) is a tool message, and an assistant's {@code function_call} its one tool
     * call; neither has an id here ({@link #decodeMessages} finds them one).
     */
    public static Message decodeMessage(JsonObjectView m) {
        String roleName = m.requiredString("role");
        Role role = switch (roleName) {
            case "developer" -> Role.SYSTEM;
            case "function" -> Role.TOOL;
            default ->
                Role.fromWire(roleName)
                        .orElseThrow(() -> m.fail(m.path("role") + " is '" + roleName
                                + "'; expected system, developer, user, assistant, tool or function"));
        };
        if ("function".equals(roleName)) {
            m.requiredString("name");
        }
        List<ContentPart> content = decodeContent(m);
        List<ToolCall> toolCalls = OpenAiToolCalls.decode(m);
        JsonObjectView functionCall = m.object("function_call");
        if (toolCalls.isEmpty() && functionCall != null) {
            toolCalls = List.of(new ToolCall(
                    null,
                    functionCall.requiredString("name"),
                    OpenAiToolCalls.argumentsText(functionCall.raw("arguments"))));
        }
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
