package dev.chatd.kit.ollama;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.ModelInfo;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.openai.OpenAiChatRequests;
import dev.chatd.kit.openai.OpenAiToolCalls;
import dev.chatd.kit.json.JsonObjectView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ollama's native {@code /api/chat} format, spoken by local Ollama and Ollama Cloud alike.
 * Where it differs from OpenAI's: sampling options sit in {@code options} ({@code max_tokens}
 * is {@code num_predict}), images are bare base64 strings, tool-call arguments are JSON
 * objects rather than JSON text, and an absent {@code stream} means streaming.
 */
public final class OllamaWire {
    /** The name of this format, which a {@link ChatRequest}'s extras were written in ({@link ChatRequest#extraFormat()}). */
    public static final String FORMAT = "ollama";

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
                tools.add(OpenAiChatRequests.encodeTool(tool));
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
            m.put("content", text(message));
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
            String json = OpenAiToolCalls.argumentsText(arguments);
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

    // ---- chatd's Ollama-compatible endpoint: requests from and replies to Ollama clients ----

    private static final Set<String> REQUEST_FIELDS = Set.of("model", "messages", "stream", "format", "tools");
    private static final Set<String> OPTION_FIELDS = Set.of("temperature", "top_p", "seed", "stop", "num_predict");

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
                .tools(OpenAiChatRequests.decodeTools(r, "tools"));
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
            builder.responseFormat(Map.of("type", "json_schema", "json_schema", Map.of("name", "response", "schema", schema)));
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
        // The calls of the latest assistant turn that no tool message has answered yet, in order.
        List<ToolCall> unanswered = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonObjectView m = r.at(array.get(i), "messages[" + i + "]");
            String roleName = m.requiredString("role");
            Role role = Role.fromWire(roleName).orElseThrow(() ->
                    m.fail(m.path("role") + " is '" + roleName + "'; expected system, user, assistant or tool"));
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
            List<Object> calls = m.array("tool_calls");
            if (calls != null) {
                for (int c = 0; c < calls.size(); c++) {
                    JsonObjectView call = m.at(calls.get(c), m.path("tool_calls") + "[" + c + "]");
                    JsonObjectView function = call.object("function");
                    if (function == null) {
                        throw call.fail(call.path("function") + " is required");
                    }
                    Object arguments = function.raw("arguments");
                    String json = OpenAiToolCalls.argumentsText(arguments);
                    String id = call.string("id") != null ? call.string("id") : "call_" + i + "_" + c;
                    String name = function.requiredString("name");
                    toolCalls.add(new ToolCall(id, name, json));
                }
            }
            if (role == Role.ASSISTANT) {
                unanswered = new ArrayList<>(toolCalls);
            }
            String toolName = m.string("tool_name");
            String toolCallId = m.string("tool_call_id");
            if (role == Role.TOOL) {
                toolCallId = answeredCall(unanswered, toolCallId, toolName);
            }
            messages.add(new Message(role, content, role == Role.TOOL ? toolName : null, toolCalls, toolCallId,
                    m.string("thinking"), Map.of()));
        }
        return messages;
    }

    /**
     * The id of the call a tool message answers, which OpenAI-format upstreams need and Ollama
     * clients do not send: Ollama names the function only, and answers a turn's calls in order.
     * So a result answers the first unanswered call of that name (two parallel calls of one
     * function get one result each), else the first unanswered call; an id sent is kept.
     */
    private static String answeredCall(List<ToolCall> unanswered, String toolCallId, String toolName) {
        for (int i = 0; i < unanswered.size(); i++) {
            ToolCall call = unanswered.get(i);
            boolean answers = toolCallId != null ? toolCallId.equals(call.id()) : call.name().equals(toolName);
            if (answers) {
                unanswered.remove(i);
                return call.id();
            }
        }
        if (toolCallId == null && !unanswered.isEmpty()) {
            return unanswered.remove(0).id();
        }
        return toolCallId;
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

    /** A non-streaming {@code /api/chat} reply for an Ollama client. */
    public static Map<String, Object> encodeResponse(String model, String createdAt, ChatResponse response,
            long totalDurationNanos) {
        Map<String, Object> body = head(model, createdAt, replyMessage(response.message().text(),
                response.message().reasoning(), response.message().toolCalls()));
        putDone(body, response.finishReason(), response.usage(), totalDurationNanos);
        return body;
    }

    /** One streamed line: {@code done: false} with a content (or thinking) delta. */
    public static Map<String, Object> encodeChunk(String model, String createdAt, String content, String thinking) {
        Map<String, Object> body = head(model, createdAt, replyMessage(content == null ? "" : content, thinking, List.of()));
        body.put("done", false);
        return body;
    }

    /** The last streamed line: {@code done: true}, the reason and the counts, and the tool calls if any. */
    public static Map<String, Object> encodeFinal(String model, String createdAt, List<ToolCall> toolCalls,
            FinishReason reason, Usage usage, long totalDurationNanos) {
        Map<String, Object> body = head(model, createdAt, replyMessage("", null, toolCalls));
        putDone(body, reason, usage, totalDurationNanos);
        return body;
    }

    private static Map<String, Object> head(String model, String createdAt, Map<String, Object> message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("created_at", createdAt);
        body.put("message", message);
        return body;
    }

    private static Map<String, Object> replyMessage(String content, String thinking, List<ToolCall> toolCalls) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", content);
        if (thinking != null) {
            message.put("thinking", thinking);
        }
        if (!toolCalls.isEmpty()) {
            List<Object> calls = new ArrayList<>(toolCalls.size());
            for (int i = 0; i < toolCalls.size(); i++) {
                ToolCall call = toolCalls.get(i);
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("index", i);
                function.put("name", call.name());
                function.put("arguments", argumentsForClient(call));
                Map<String, Object> c = new LinkedHashMap<>();
                if (call.id() != null) {
                    c.put("id", call.id());
                }
                c.put("function", function);
                calls.add(c);
            }
            message.put("tool_calls", calls);
        }
        return message;
    }

    /** Arguments as the object Ollama clients expect; text that is not an object goes as it is. */
    private static Object argumentsForClient(ToolCall call) {
        try {
            Object arguments = JsonCodec.parse(call.arguments());
            return arguments instanceof Map<?, ?> ? arguments : call.arguments();
        } catch (JsonCodec.MalformedJsonException e) {
            return call.arguments();
        }
    }

    private static void putDone(Map<String, Object> body, FinishReason reason, Usage usage, long totalDurationNanos) {
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
