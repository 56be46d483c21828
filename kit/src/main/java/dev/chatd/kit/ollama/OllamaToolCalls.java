package dev.chatd.kit.ollama;

import dev.chatd.api.ChatException;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiToolCalls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ollama's {@code tool_calls}: whole calls whose arguments are a JSON object, in replies, in
 * streamed lines and in client requests alike, so one reader serves all three.
 *
 * @since 0.2
 */
public final class OllamaToolCalls {
    private OllamaToolCalls() {}

    /**
     * A message's {@code tool_calls}, ids as sent (Ollama usually sends none); arguments become
     * OpenAI's JSON text. Each call needs a {@code function} with a {@code name}; errors name the path.
     */
    public static List<ToolCall> decode(JsonObjectView message) {
        List<Object> calls = message.array("tool_calls");
        if (calls == null) {
            return List.of();
        }
        List<ToolCall> decoded = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            JsonObjectView call = message.at(calls.get(i), message.path("tool_calls") + "[" + i + "]");
            JsonObjectView function = call.object("function");
            if (function == null) {
                throw call.fail(call.path("function") + " is required");
            }
            decoded.add(new ToolCall(
                    call.string("id"),
                    function.requiredString("name"),
                    OpenAiToolCalls.argumentsText(function.raw("arguments"))));
        }
        return decoded;
    }

    /** Calls for an Ollama upstream, which takes arguments only as a JSON object. */
    public static List<Object> encodeForUpstream(List<ToolCall> toolCalls) {
        List<Object> calls = new ArrayList<>(toolCalls.size());
        for (ToolCall call : toolCalls) {
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", call.name());
            function.put("arguments", argumentsObject(call));
            calls.add(entry(call, function));
        }
        return calls;
    }

    /** Calls for an Ollama client, numbered; arguments that are not an object go as the text they are. */
    public static List<Object> encodeForClient(List<ToolCall> toolCalls) {
        List<Object> calls = new ArrayList<>(toolCalls.size());
        for (int i = 0; i < toolCalls.size(); i++) {
            ToolCall call = toolCalls.get(i);
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("index", i);
            function.put("name", call.name());
            Object arguments = parsedArguments(call);
            function.put("arguments", arguments instanceof Map<?, ?> ? arguments : call.arguments());
            calls.add(entry(call, function));
        }
        return calls;
    }

    private static Map<String, Object> entry(ToolCall call, Map<String, Object> function) {
        Map<String, Object> c = new LinkedHashMap<>();
        if (call.id() != null) {
            c.put("id", call.id());
        }
        c.put("function", function);
        return c;
    }

    private static Object argumentsObject(ToolCall call) {
        Object arguments = parsedArguments(call);
        if (arguments instanceof Map<?, ?>) {
            return arguments;
        }
        throw new ChatException.InvalidRequest("the arguments of tool call '" + call.name()
                + "' must be a JSON object for Ollama, got: " + call.arguments());
    }

    /** The arguments parsed, or null when they are not JSON. */
    private static Object parsedArguments(ToolCall call) {
        try {
            return JsonCodec.parse(call.arguments());
        } catch (JsonCodec.MalformedJsonException e) {
            return null;
        }
    }
}
