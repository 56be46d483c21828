package dev.chatd.core.wire;

import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.core.json.JsonCodec;
import dev.chatd.core.json.JsonObjectView;
import java.util.ArrayList;
import java.util.List;
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

    private OpenAiWire() {}

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
        Object arguments = function.raw("arguments");
        if (arguments == null || arguments instanceof String) {
            return (String) arguments;
        }
        return JsonCodec.writeString(arguments);
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
}
