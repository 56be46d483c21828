package dev.chatd.kit.openai;

import dev.chatd.api.FinishReason;
import dev.chatd.api.ToolCall;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's {@code tool_calls}, in a whole message and in a stream delta, both ways. One reader
 * serves both: a delta's entry is a message's entry with an {@code index} and every field
 * optional.
 *
 * @since 0.2
 */
public final class OpenAiToolCalls {
    private OpenAiToolCalls() {}

    /**
     * How an OpenAI client gets tool calls: as {@code tool_calls}, or in the deprecated
     * function-calling shape that a client which sent {@code functions} expects, where a message
     * has one {@code function_call} (the first call) and the finish reason is
     * {@code function_call}.
     *
     * @since 0.3
     */
    public enum Shape {
        TOOL_CALLS,
        FUNCTION_CALL;

        /** The finish reason as this shape writes it. */
        public String finishReason(FinishReason reason) {
            return this == FUNCTION_CALL && reason == FinishReason.TOOL_CALLS ? "function_call" : reason.wire();
        }
    }

    /** A message's {@code tool_calls}; each needs a {@code function} with a {@code name}. Errors name the path. */
    public static List<ToolCall> decode(JsonObjectView message) {
        List<Object> calls = message.array("tool_calls");
        if (calls == null) {
            return List.of();
        }
        List<ToolCall> decoded = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            ToolCallDelta call = read(message.at(calls.get(i), message.path("tool_calls") + "[" + i + "]"), i, true);
            decoded.add(new ToolCall(call.id(), call.name(), call.argumentsFragment()));
        }
        return decoded;
    }

    /** A stream delta's {@code tool_calls}: pieces of calls, put together by index ({@link dev.chatd.kit.stream.ToolCallAssembler}). */
    public static List<ToolCallDelta> decodeDeltas(JsonObjectView delta) {
        List<Object> calls = delta.array("tool_calls");
        if (calls == null || calls.isEmpty()) {
            return List.of();
        }
        List<ToolCallDelta> deltas = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            deltas.add(read(delta.at(calls.get(i), "delta.tool_calls[" + i + "]"), i, false));
        }
        return deltas;
    }

    /** One entry; {@code whole} when it must be a complete call rather than a piece of one. */
    private static ToolCallDelta read(JsonObjectView call, int position, boolean whole) {
        JsonObjectView function = call.object("function");
        if (function == null && whole) {
            throw call.fail(call.path("function") + " is required");
        }
        Integer index = call.integer("index");
        String name = function == null ? null : whole ? function.requiredString("name") : function.string("name");
        return new ToolCallDelta(
                index == null ? position : index,
                call.string("id"),
                name,
                function == null ? null : argumentsText(function.raw("arguments")));
    }

    /**
     * Tool-call arguments as OpenAI's JSON text, whether they came as text or as a JSON object
     * (Ollama, and clients that send one); null stays null ({@link ToolCall} makes it {@code {}}).
     */
    public static String argumentsText(Object arguments) {
        return arguments == null || arguments instanceof String ? (String) arguments : JsonCodec.writeString(arguments);
    }

    /** A message's {@code tool_calls}. */
    public static List<Object> encode(List<ToolCall> toolCalls) {
        List<Object> calls = new ArrayList<>(toolCalls.size());
        for (ToolCall call : toolCalls) {
            Map<String, Object> c = new LinkedHashMap<>();
            if (call.id() != null) {
                c.put("id", call.id());
            }
            c.put("type", "function");
            c.put("function", Map.of("name", call.name(), "arguments", call.arguments()));
            calls.add(c);
        }
        return calls;
    }

    /** A message's deprecated {@code function_call}: the call's name and arguments, no id. */
    public static Map<String, Object> encodeFunctionCall(ToolCall call) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", call.name());
        function.put("arguments", call.arguments());
        return function;
    }

    /**
     * A stream delta's deprecated {@code function_call}: the pieces of the first call (index 0),
     * the name with its first piece; null when the deltas hold none of it. The deprecated shape
     * has one call, so pieces of other calls are left out.
     */
    public static Map<String, Object> encodeFunctionCallDelta(List<ToolCallDelta> deltas) {
        Map<String, Object> function = null;
        for (ToolCallDelta call : deltas) {
            if (call.index() != 0) {
                continue;
            }
            if (function == null) {
                function = new LinkedHashMap<>();
            }
            if (call.name() != null) {
                function.put("name", call.name());
            }
            if (call.argumentsFragment() != null) {
                function.merge("arguments", call.argumentsFragment(), (a, b) -> (String) a + b);
            }
        }
        return function;
    }

    /** A stream delta's {@code tool_calls}: the id and type come with a call's first piece only. */
    public static List<Object> encodeDeltas(List<ToolCallDelta> deltas) {
        List<Object> calls = new ArrayList<>(deltas.size());
        for (ToolCallDelta call : deltas) {
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
        return calls;
    }
}
