package dev.chatd.kit.ollama;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.openai.OpenAiChatRequests;
import dev.chatd.kit.tool.ToolCallIds;
import dev.chatd.kit.tool.UnansweredCalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Ollama {@code /api/chat} requests, both ways: writing one to an Ollama upstream (local Ollama
 * and Ollama Cloud alike) and reading one from an Ollama client. Where the format differs from
 * OpenAI's: sampling options sit in {@code options} ({@code max_tokens} is {@code num_predict}),
 * images are bare base64 strings, tool-call arguments are JSON objects rather than JSON text,
 * and an absent {@code stream} means streaming.
 *
 * @since 0.2
 */
public final class OllamaChatRequests {
    /** The name of this format, which a {@link ChatRequest}'s extras were written in ({@link ChatRequest#extraFormat()}). */
    public static final String FORMAT = "ollama";

    private static final Set<String> REQUEST_FIELDS =
            Set.of("model", "messages", "stream", "format", "tools", "think", "logprobs", "top_logprobs");
    private static final Set<String> OPTION_FIELDS = Set.of("temperature", "top_p", "seed", "stop", "num_predict");

    private OllamaChatRequests() {}

    /** The body of a {@code POST /api/chat}. Fields the request carries as extras go along unchanged. */
    public static Map<String, Object> encodeChat(ChatRequest request, boolean stream) {
        if (request.n() != null && request.n() > 1) {
            throw new ChatException.InvalidRequest("n is " + request.n()
                    + ", but Ollama returns one choice per request: leave n out (or send 1), or send the request "
                    + request.n() + " times");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("messages", encodeMessages(request.messages()));
        body.put("stream", stream);

        Map<String, Object> options = new LinkedHashMap<>();
        if ((request.extraFormat() == null || FORMAT.equals(request.extraFormat()))
                && request.extra().get("options") instanceof Map<?, ?> given) {
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
                tools.add(OpenAiChatRequests.encodeTool(tool));
            }
            body.put("tools", tools);
        }
        Object format = format(request.responseFormat());
        if (format != null) {
            body.put("format", format);
        }
        putIfSet(body, "think", think(request.reasoningEffort(), request.model()));
        putIfSet(body, "logprobs", request.logprobs());
        putIfSet(body, "top_logprobs", request.topLogprobs());
        // Fields written in another format (OpenAI's user or parallel_tool_calls, say) mean
        // nothing to Ollama, so only Ollama's own extras, and those tied to no format, go along.
        if (request.extraFormat() == null || FORMAT.equals(request.extraFormat())) {
            request.extra().forEach((k, v) -> {
                if (!k.equals("options") && !k.equals("stream")) {
                    body.putIfAbsent(k, v);
                }
            });
        }
        if (!options.isEmpty()) {
            body.put("options", options);
        }
        return body;
    }

    /**
     * A reasoning effort as Ollama's {@code think}: {@code none} turns thinking off; any other
     * effort turns it on, as the level itself for models that take one (gpt-oss: {@code low},
     * {@code medium}, {@code high}; {@code minimal} is the lowest, {@code low}, and anything above
     * {@code high} is {@code high}). Null leaves it to the model.
     */
    static Object think(String effort, String model) {
        if (effort == null) {
            return null;
        }
        String level = effort.strip().toLowerCase(Locale.ROOT);
        if (level.equals("none") || level.equals("false")) {
            return false;
        }
        if (!model.contains("gpt-oss")) {
            return true;
        }
        return switch (level) {
            case "minimal", "low" -> "low";
            case "medium", "true" -> "medium";
            default -> "high";
        };
    }

    /**
     * Ollama's {@code think} as a reasoning effort: {@code false} is {@code none}, {@code true}
     * is {@code medium} (what gpt-oss takes {@code true} for, and what OpenAI defaults to), a
     * level is itself.
     */
    private static String effort(JsonObjectView r) {
        Object think = r.raw("think");
        if (think == null) {
            return null;
        }
        if (think instanceof Boolean on) {
            return on ? "medium" : "none";
        }
        if (think instanceof String level && !level.isBlank()) {
            return level.strip().toLowerCase(Locale.ROOT);
        }
        throw r.fail("think must be true, false, or a level (\"low\", \"medium\", \"high\")");
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
            case "json_schema" ->
                rf.get("json_schema") instanceof Map<?, ?> js && js.get("schema") != null ? js.get("schema") : "json";
            default -> null;
        };
    }

    private static List<Object> encodeMessages(List<Message> messages) {
        Map<String, String> toolNames = new HashMap<>();
        List<Object> encoded = new ArrayList<>(messages.size());
        for (Message message : messages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", message.role().wire());
            m.put("content", text(message));
            List<String> images = images(message);
            if (!images.isEmpty()) {
                m.put("images", images);
            }
            if (message.reasoning() != null && message.role() == Role.ASSISTANT) {
                m.put("thinking", message.reasoning());
            }
            if (!message.toolCalls().isEmpty()) {
                for (ToolCall call : message.toolCalls()) {
                    if (call.id() != null) {
                        toolNames.put(call.id(), call.name());
                    }
                }
                m.put("tool_calls", OllamaToolCalls.encodeForUpstream(message.toolCalls()));
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

    /** Ollama takes one string: several text parts are joined a line apart. */
    private static String text(Message message) {
        if (message.content().size() <= 1) {
            return message.text();
        }
        StringBuilder text = new StringBuilder();
        for (ContentPart part : message.content()) {
            if (part instanceof ContentPart.Text t) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(t.text());
            }
        }
        return text.toString();
    }

    private static List<String> images(Message message) {
        List<String> images = new ArrayList<>();
        for (ContentPart part : message.content()) {
            if (part instanceof ContentPart.Image image) {
                String url = image.url();
                int comma = url.indexOf(',');
                if (!url.startsWith("data:")
                        || comma < 0
                        || !url.substring(0, comma).endsWith(";base64")) {
                    throw new ChatException.InvalidRequest(
                            "Ollama takes images inline: send them as " + "data:image/...;base64,... URLs, not "
                                    + (url.length() > 40 ? url.substring(0, 40) + "…" : url));
                }
                images.add(url.substring(comma + 1));
            }
        }
        return images;
    }

    /**
     * Reads an Ollama {@code /api/chat} request. Sampling options become the normalised fields;
     * the remaining options, {@code keep_alive}, {@code think} and any other field stay as Ollama
     * extras, which only Ollama upstreams receive.
     */
    public static ChatRequest decodeRequest(JsonObjectView r) {
        Map<String, Object> extra = r.otherThan(REQUEST_FIELDS);
        ChatRequest.Builder builder = ChatRequest.builder()
                .model(r.requiredString("model"))
                .messages(decodeMessages(r))
                .tools(OpenAiChatRequests.decodeTools(r, "tools"))
                .reasoningEffort(effort(r))
                .logprobs(r.bool("logprobs"))
                .topLogprobs(r.integer("top_logprobs"));
        JsonObjectView options = r.object("options");
        if (options != null) {
            builder.temperature(options.decimal("temperature"))
                    .topP(options.decimal("top_p"))
                    .seed(options.longInteger("seed"))
                    .maxTokens(options.integer("num_predict"));
            builder.stop(options.strings("stop"));
            Map<String, Object> rest = options.otherThan(OPTION_FIELDS);
            if (rest.isEmpty()) {
                extra.remove("options");
            } else {
                extra.put("options", rest);
            }
        }
        Object format = r.raw("format");
        if ("json".equals(format)) {
            builder.responseFormat(Map.of("type", "json_object"));
        } else if (format instanceof Map<?, ?> schema) {
            builder.responseFormat(
                    Map.of("type", "json_schema", "json_schema", Map.of("name", "response", "schema", schema)));
        } else if (format != null && !"".equals(format)) {
            throw r.fail("format must be \"json\" or a JSON schema object");
        }
        return builder.extra(extra, FORMAT).build();
    }

    /** Whether an Ollama request streams: absent means yes. */
    public static boolean streams(JsonObjectView r) {
        Boolean stream = r.bool("stream");
        return stream == null || stream;
    }

    private static List<Message> decodeMessages(JsonObjectView r) {
        List<Object> array = r.array("messages");
        if (array == null || array.isEmpty()) {
            throw r.fail("messages is required and must hold at least one message");
        }
        List<Message> messages = new ArrayList<>(array.size());
        UnansweredCalls unanswered = new UnansweredCalls();
        for (int i = 0; i < array.size(); i++) {
            JsonObjectView m = r.at(array.get(i), "messages[" + i + "]");
            String roleName = m.requiredString("role");
            Role role = Role.fromWire(roleName)
                    .orElseThrow(() -> m.fail(
                            m.path("role") + " is '" + roleName + "'; expected system, user, assistant or tool"));
            List<ContentPart> content = new ArrayList<>();
            String text = m.string("content");
            if (text != null && !text.isEmpty()) {
                content.add(new ContentPart.Text(text));
            }
            List<Object> images = m.array("images");
            if (images != null) {
                for (Object image : images) {
                    if (!(image instanceof String base64)) {
                        throw m.fail(m.path("images") + " must be a list of base64 strings");
                    }
                    content.add(new ContentPart.Image("data:" + imageType(base64) + ";base64," + base64, null));
                }
            }
            List<ToolCall> toolCalls = new ArrayList<>();
            List<ToolCall> sent = OllamaToolCalls.decode(m);
            for (int c = 0; c < sent.size(); c++) {
                ToolCall call = sent.get(c);
                // Ollama clients send no ids; OpenAI-format upstreams need one to match results to calls.
                toolCalls.add(
                        call.id() != null
                                ? call
                                : new ToolCall(ToolCallIds.forPosition(i, c), call.name(), call.arguments()));
            }
            if (role == Role.ASSISTANT) {
                unanswered.turn(toolCalls);
            }
            String toolName = m.string("tool_name");
            String toolCallId = m.string("tool_call_id");
            if (role == Role.TOOL) {
                // Ollama names the function only; OpenAI-format upstreams need the call's id.
                toolCallId = unanswered.answer(toolCallId, toolName);
            }
            messages.add(new Message(
                    role,
                    content,
                    role == Role.TOOL ? toolName : null,
                    toolCalls,
                    toolCallId,
                    m.string("thinking"),
                    Map.of()));
        }
        return messages;
    }

    /** The image type of base64 data, from its first bytes; JPEG when unknown. */
    private static String imageType(String base64) {
        if (base64.startsWith("iVBOR")) {
            return "image/png";
        }
        if (base64.startsWith("R0lGOD")) {
            return "image/gif";
        }
        if (base64.startsWith("UklGR")) {
            return "image/webp";
        }
        return "image/jpeg";
    }
}
