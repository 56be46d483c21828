package dev.chatd.core.wire;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.core.json.JsonCodec;
import dev.chatd.core.json.JsonObjectView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ollama's native {@code /api/chat} format, spoken by local Ollama and Ollama Cloud alike.
 * Where it differs from OpenAI's: sampling options sit in {@code options} ({@code max_tokens}
 * is {@code num_predict}), images are bare base64 strings, tool-call arguments are JSON
 * objects rather than JSON text, and an absent {@code stream} means streaming.
 */
public final class OllamaWire {
    private OllamaWire() {}

    /** The body of a {@code POST /api/chat}. Fields the request carries as extras go along unchanged. */
    public static Map<String, Object> encodeChat(ChatRequest request, boolean stream) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("messages", encodeMessages(request.messages()));
        body.put("stream", stream);

        Map<String, Object> options = new LinkedHashMap<>();
        if (request.extra().get("options") instanceof Map<?, ?> given) {
            given.forEach((k, v) -> options.put(String.valueOf(k), v));
        }
        putIfSet(options, "temperature", request.temperature());
        putIfSet(options, "top_p", request.topP());
        putIfSet(options, "seed", request.seed());
        putIfSet(options, "num_predict", request.maxTokens());
        if (!request.stop().isEmpty()) {
            options.put("stop", request.stop());
        }
        if (!request.tools().isEmpty()) {
            List<Object> tools = new ArrayList<>(request.tools().size());
            for (Tool tool : request.tools()) {
                tools.add(OpenAiWire.encodeTool(tool));
            }
            body.put("tools", tools);
        }
        Object format = format(request.responseFormat());
        if (format != null) {
            body.put("format", format);
        }
        request.extra().forEach((k, v) -> {
            if (!k.equals("options") && !k.equals("stream")) {
                body.putIfAbsent(k, v);
            }
        });
        if (!options.isEmpty()) {
            body.put("options", options);
        }
        return body;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    /** OpenAI's {@code response_format} as Ollama's {@code format}: "json" or a JSON schema. */
    private static Object format(Object responseFormat) {
        if (!(responseFormat instanceof Map<?, ?> rf)) {
            return null;
        }
        return switch (String.valueOf(rf.get("type"))) {
            case "json_object" -> "json";
            case "json_schema" -> rf.get("json_schema") instanceof Map<?, ?> js && js.get("schema") != null
                    ? js.get("schema") : "json";
            default -> null;
        };
    }

    private static List<Object> encodeMessages(List<Message> messages) {
        Map<String, String> toolNames = new HashMap<>();
        List<Object> encoded = new ArrayList<>(messages.size());
        for (Message message : messages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", message.role().wire());
            m.put("content", message.text());
            List<String> images = images(message);
            if (!images.isEmpty()) {
                m.put("images", images);
            }
            if (message.reasoning() != null && message.role() == Role.ASSISTANT) {
                m.put("thinking", message.reasoning());
            }
            if (!message.toolCalls().isEmpty()) {
                List<Object> calls = new ArrayList<>();
                for (ToolCall call : message.toolCalls()) {
                    if (call.id() != null) {
                        toolNames.put(call.id(), call.name());
                    }
                    Map<String, Object> function = new LinkedHashMap<>();
                    function.put("name", call.name());
                    function.put("arguments", argumentsObject(call));
                    Map<String, Object> c = new LinkedHashMap<>();
                    if (call.id() != null) {
                        c.put("id", call.id());
                    }
                    c.put("function", function);
                    calls.add(c);
                }
                m.put("tool_calls", calls);
            }
            if (message.role() == Role.TOOL) {
                // Ollama matches a tool result to its call by the function's name.
                String toolName = message.name() != null ? message.name() : toolNames.get(message.toolCallId());
                if (toolName != null) {
                    m.put("tool_name", toolName);
                }
                if (message.toolCallId() != null) {
                    m.put("tool_call_id", message.toolCallId());
                }
            }
            message.extra().forEach(m::putIfAbsent);
            encoded.add(m);
        }
        return encoded;
    }

    private static Object argumentsObject(ToolCall call) {
        try {
            Object arguments = JsonCodec.parse(call.arguments());
            if (arguments instanceof Map<?, ?>) {
                return arguments;
            }
        } catch (JsonCodec.MalformedJsonException e) {
            // reported below
        }
        throw new ChatException.InvalidRequest("the arguments of tool call '" + call.name()
                + "' must be a JSON object for Ollama, got: " + call.arguments());
    }

    private static List<String> images(Message message) {
        List<String> images = new ArrayList<>();
        for (ContentPart part : message.content()) {
            if (part instanceof ContentPart.Image image) {
                String url = image.url();
                int comma = url.indexOf(',');
                if (!url.startsWith("data:") || comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
                    throw new ChatException.InvalidRequest("Ollama takes images inline: send them as "
                            + "data:image/...;base64,... URLs, not " + (url.length() > 40 ? url.substring(0, 40) + "…" : url));
                }
                images.add(url.substring(comma + 1));
            }
        }
        return images;
    }

    /** Reads a non-streaming {@code /api/chat} reply. A reply that is not one fails as a 502. */
    public static ChatResponse decodeChat(Object tree, String provider) {
        JsonObjectView reply = JsonObjectView.of(tree, provider + "'s reply", ChatException.UpstreamFailure::new);
        if (reply.string("error") != null) {
            throw new ChatException.UpstreamFailure(provider + " reported an error: " + reply.string("error"));
        }
        JsonObjectView message = reply.object("message");
        if (message == null) {
            throw reply.fail(provider + "'s reply has no message");
        }
        List<ToolCall> toolCalls = decodeToolCalls(message);
        String content = message.string("content");
        Message assistant = new Message(Role.ASSISTANT,
                content == null || content.isEmpty() ? List.of() : List.of(new ContentPart.Text(content)),
                null, toolCalls, null, message.string("thinking"), Map.of());
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
        return new ChatResponse(null, reply.string("model"), assistant, finish, usage);
    }

    private static List<ToolCall> decodeToolCalls(JsonObjectView message) {
        List<Object> calls = message.array("tool_calls");
        if (calls == null) {
            return List.of();
        }
        List<ToolCall> decoded = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            JsonObjectView call = message.at(calls.get(i), message.path("tool_calls") + "[" + i + "]");
            JsonObjectView function = call.object("function");
            if (function == null) {
                throw call.fail(call.path("function") + " is missing");
            }
            Object arguments = function.raw("arguments");
            String json = arguments == null ? "{}" : arguments instanceof String s ? s : JsonCodec.writeString(arguments);
            decoded.add(new ToolCall(call.string("id"), function.requiredString("name"), json));
        }
        return decoded;
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
}
