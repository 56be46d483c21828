package dev.chatd.kit.responses;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonObjectView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Responses requests, both ways: reading one from a client ({@code POST /v1/responses}) and
 * writing one to a Responses-format upstream.
 *
 * <p>Reading: {@code input} is a string (one user message) or a list of items. A
 * {@code message} item of role {@code user}, {@code system} or {@code developer} (a system
 * message) becomes a message of its own; a {@code function_call_output} a {@code tool} message;
 * a run of assistant-side items ({@code message} of role {@code assistant}, {@code reasoning},
 * {@code function_call}) one assistant message, with its text, its reasoning (the summaries'
 * text) and its tool calls. {@code instructions} becomes a first system message. Every message
 * read from items keeps them ({@link Message.Verbatim}), so that a Responses-format upstream
 * receives reasoning items with their {@code encrypted_content}, item ids and parts chatd does
 * not model ({@code input_file}) as they were; other upstreams get the normalised message only.
 * Function tools become tools (with {@code strict} or other fields, the raw {@code tools} stay
 * among the extras for a Responses-format upstream); {@code tool_choice} becomes OpenAI chat's;
 * {@code text.format} chat's {@code response_format}; {@code reasoning.effort} the reasoning
 * effort; {@code max_output_tokens} the max tokens; the fields chatd does not model
 * ({@code metadata}, {@code user}, {@code store}, {@code parallel_tool_calls}, {@code include},
 * …) are extras in {@link #FORMAT}.
 *
 * <p>chatd keeps no conversation state, so a request that refers to one
 * ({@code previous_response_id}, {@code conversation}, an {@code item_reference}) is a 400 that
 * says to send the whole input with {@code store: false}. Hosted tools (web search, file search,
 * …) are a 400 too: chatd runs the model, not OpenAI's tools.
 *
 * @since 0.3
 */
public final class ResponsesRequests {
    /** The name of this format, which a {@link ChatRequest}'s extras were written in ({@link ChatRequest#extraFormat()}). */
    public static final String FORMAT = "openai-responses";

    private static final String STATELESS =
            "; chatd keeps no conversation state: send the whole conversation as input," + " with store: false";

    private static final Set<String> REQUEST_FIELDS = Set.of(
            "model",
            "input",
            "instructions",
            "tools",
            "tool_choice",
            "max_output_tokens",
            "temperature",
            "top_p",
            "text",
            "reasoning",
            "stream",
            "previous_response_id",
            "conversation");

    private static final Set<String> TOOL_FIELDS = Set.of("type", "name", "description", "parameters");

    private ResponsesRequests() {}

    /**
     * Reads a {@code POST /v1/responses} body. Errors name the offending path through the view's
     * error factory; a request that needs stored state fails as {@link ChatException.InvalidRequest}.
     */
    public static ChatRequest decodeRequest(JsonObjectView r) {
        if (r.has("previous_response_id")) {
            throw new ChatException.InvalidRequest("previous_response_id is not supported" + STATELESS);
        }
        if (r.has("conversation")) {
            throw new ChatException.InvalidRequest("conversation is not supported" + STATELESS);
        }
        Integer maxTokens = r.integer("max_output_tokens");
        if (maxTokens != null && maxTokens < 1) {
            throw r.fail("max_output_tokens is " + maxTokens + "; it must be 1 or more");
        }
        List<Message> messages = new ArrayList<>();
        String instructions = r.string("instructions");
        if (instructions != null && !instructions.isEmpty()) {
            messages.add(Message.of(Role.SYSTEM, instructions));
        }
        messages.addAll(decodeInput(r));
        Map<String, Object> extra = r.otherThan(REQUEST_FIELDS);
        return ChatRequest.builder()
                .model(r.requiredString("model"))
                .messages(messages)
                .temperature(r.decimal("temperature"))
                .topP(r.decimal("top_p"))
                .maxTokens(maxTokens)
                .tools(decodeTools(r, extra))
                .toolChoice(decodeToolChoice(r))
                .responseFormat(decodeText(r, extra))
                .reasoningEffort(decodeReasoning(r, extra))
                .extra(extra, FORMAT)
                .build();
    }

    // ---- reading ----

    private static List<Message> decodeInput(JsonObjectView r) {
        Object input = r.raw("input");
        if (input instanceof String text) {
            return List.of(Message.of(Role.USER, text));
        }
        List<Object> items = input instanceof List<?> ? r.array("input") : null;
        if (items == null || items.isEmpty()) {
            throw r.fail("input is required: a string, or an array of at least one item");
        }
        return decodeItems(items, r, "input", false);
    }

    /**
     * The normalised messages of a list of items (a request's input, or a reply's output): a
     * message per user, system or developer message item and per {@code function_call_output},
     * one assistant message per run of assistant-side items. Each keeps its items verbatim.
     *
     * @param fromUpstream whether the items are an upstream's output, whose item types chatd
     *     does not model are kept verbatim in the assistant message; a client's are a 400
     */
    static List<Message> decodeItems(List<Object> items, JsonObjectView owner, String path, boolean fromUpstream) {
        List<Message> messages = new ArrayList<>();
        Turn turn = new Turn();
        for (int i = 0; i < items.size(); i++) {
            JsonObjectView item = owner.at(items.get(i), path + "[" + i + "]");
            String type = item.string("type");
            if (type == null && item.has("role")) {
                type = "message"; // the easy input message leaves its type out
            }
            if (type == null) {
                throw item.fail(item.path("type") + " is required");
            }
            switch (type) {
                case "message" -> {
                    String role = item.requiredString("role");
                    if ("assistant".equals(role)) {
                        turn.keep(item.fields());
                        turn.text.append(assistantText(item));
                    } else {
                        turn.flushInto(messages);
                        messages.add(inputMessage(item, role));
                    }
                }
                case "function_call" -> {
                    turn.keep(item.fields());
                    turn.calls.add(new ToolCall(
                            item.requiredString("call_id"), item.requiredString("name"), item.string("arguments")));
                }
                case "reasoning" -> {
                    turn.keep(item.fields());
                    String text = reasoningText(item);
                    if (!text.isEmpty()) {
                        turn.reasoning = turn.reasoning == null ? text : turn.reasoning + "\n\n" + text;
                    }
                }
                case "function_call_output" -> {
                    turn.flushInto(messages);
                    messages.add(toolOutput(item));
                }
                case "item_reference" ->
                    throw new ChatException.InvalidRequest(
                            item.path("type") + " is item_reference, which refers to a stored item" + STATELESS);
                default -> {
                    if (!fromUpstream) {
                        throw item.fail(item.path("type") + " is '" + type + "'; chatd supports message, function_call,"
                                + " function_call_output and reasoning items");
                    }
                    turn.keep(item.fields()); // a hosted tool's output: nothing the normalised answer holds
                }
            }
        }
        turn.flushInto(messages);
        return messages;
    }

    /** The assistant-side items of one turn being read, and what they say. */
    private static final class Turn {
        final List<Object> items = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        final List<ToolCall> calls = new ArrayList<>();
        String reasoning;

        void keep(Map<String, Object> item) {
            items.add(item);
        }

        void flushInto(List<Message> messages) {
            if (items.isEmpty()) {
                return;
            }
            List<ContentPart> content = text.isEmpty() ? List.of() : List.of(new ContentPart.Text(text.toString()));
            messages.add(new Message(
                    Role.ASSISTANT,
                    content,
                    null,
                    calls,
                    null,
                    reasoning,
                    Map.of(),
                    new Message.Verbatim(FORMAT, items)));
            items.clear();
            text.setLength(0);
            calls.clear();
            reasoning = null;
        }
    }

    private static String assistantText(JsonObjectView item) {
        Object content = item.raw("content");
        if (content instanceof String s) {
            return s;
        }
        List<Object> parts = item.array("content");
        if (parts == null) {
            throw item.fail(item.path("content") + " is required and must be a string or an array of parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            JsonObjectView part = item.at(parts.get(i), item.path("content") + "[" + i + "]");
            String type = part.requiredString("type");
            switch (type) {
                case "output_text", "input_text" -> text.append(required(part, "text"));
                case "refusal" -> text.append(required(part, "refusal"));
                default -> {} // kept in the verbatim item only
            }
        }
        return text.toString();
    }

    private static Message inputMessage(JsonObjectView item, String roleName) {
        Role role = switch (roleName) {
            case "user" -> Role.USER;
            case "system", "developer" -> Role.SYSTEM;
            default ->
                throw item.fail(
                        item.path("role") + " is '" + roleName + "'; expected user, assistant, system or developer");
        };
        Object content = item.raw("content");
        List<ContentPart> parts;
        if (content instanceof String s) {
            parts = List.of(new ContentPart.Text(s));
        } else if (content instanceof List<?>) {
            parts = inputParts(item, "content");
        } else {
            throw item.fail(item.path("content") + " is required and must be a string or an array of parts");
        }
        return new Message(
                role,
                parts,
                null,
                List.of(),
                null,
                null,
                Map.of(),
                new Message.Verbatim(FORMAT, List.of(item.fields())));
    }

    /** {@code input_text} and {@code input_image} parts; files and images by file id travel in the verbatim item only. */
    private static List<ContentPart> inputParts(JsonObjectView item, String key) {
        List<Object> array = item.array(key);
        List<ContentPart> parts = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonObjectView part = item.at(array.get(i), item.path(key) + "[" + i + "]");
            String type = part.requiredString("type");
            switch (type) {
                case "input_text", "output_text" -> parts.add(new ContentPart.Text(required(part, "text")));
                case "input_image" -> {
                    String url = part.string("image_url");
                    if (url != null) {
                        parts.add(new ContentPart.Image(url, part.string("detail")));
                    }
                }
                default -> {}
            }
        }
        return parts;
    }

    private static Message toolOutput(JsonObjectView item) {
        String callId = item.requiredString("call_id");
        Object output = item.raw("output");
        List<ContentPart> parts;
        if (output instanceof String s) {
            parts = List.of(new ContentPart.Text(s));
        } else if (output instanceof List<?>) {
            parts = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            for (ContentPart part : inputParts(item, "output")) {
                if (part instanceof ContentPart.Text t) {
                    text.append(text.isEmpty() ? "" : "\n").append(t.text());
                } else {
                    parts.add(part);
                }
            }
            if (!text.isEmpty() || parts.isEmpty()) {
                parts.add(0, new ContentPart.Text(text.toString()));
            }
        } else {
            throw item.fail(item.path("output") + " is required and must be a string or an array of parts");
        }
        return new Message(
                Role.TOOL,
                parts,
                null,
                List.of(),
                callId,
                null,
                Map.of(),
                new Message.Verbatim(FORMAT, List.of(item.fields())));
    }

    /** A reasoning item's text: its summaries', else its {@code reasoning_text} content's, joined by blank lines. */
    static String reasoningText(JsonObjectView item) {
        String text = joined(item, "summary", "summary_text");
        return text.isEmpty() ? joined(item, "content", "reasoning_text") : text;
    }

    private static String joined(JsonObjectView item, String key, String partType) {
        List<Object> parts = item.array(key);
        if (parts == null) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            JsonObjectView part = item.at(parts.get(i), item.path(key) + "[" + i + "]");
            if (partType.equals(part.string("type")) && part.string("text") != null) {
                text.append(text.isEmpty() ? "" : "\n\n").append(part.string("text"));
            }
        }
        return text.toString();
    }

    private static String required(JsonObjectView part, String key) {
        String value = part.string(key);
        if (value == null) {
            throw part.fail(part.path(key) + " is required");
        }
        return value;
    }

    /**
     * Function tools. A tool with more than a name, a description and parameters
     * ({@code strict}, most often) leaves the whole {@code tools} array among the extras, for
     * Responses-format upstreams.
     */
    private static List<Tool> decodeTools(JsonObjectView r, Map<String, Object> extra) {
        List<Object> array = r.array("tools");
        if (array == null) {
            return List.of();
        }
        List<Tool> tools = new ArrayList<>(array.size());
        boolean keepRaw = false;
        for (int i = 0; i < array.size(); i++) {
            JsonObjectView tool = r.at(array.get(i), "tools[" + i + "]");
            String type = tool.requiredString("type");
            if (!"function".equals(type)) {
                throw tool.fail(tool.path("type") + " is '" + type
                        + "'; chatd supports function tools only (type function), not OpenAI's hosted tools");
            }
            tools.add(new Tool(tool.requiredString("name"), tool.string("description"), tool.raw("parameters")));
            keepRaw |= !TOOL_FIELDS.containsAll(tool.fields().keySet());
        }
        if (keepRaw) {
            extra.put("tools", array);
        }
        return tools;
    }

    /** The Responses {@code tool_choice} as OpenAI chat's. */
    private static Object decodeToolChoice(JsonObjectView r) {
        Object raw = r.raw("tool_choice");
        if (raw == null) {
            return null;
        }
        if (raw instanceof String s) {
            if (s.equals("auto") || s.equals("none") || s.equals("required")) {
                return s;
            }
            throw r.fail("tool_choice is '" + s + "'; expected auto, none, required or a function");
        }
        JsonObjectView choice = r.object("tool_choice");
        String type = choice.requiredString("type");
        if (!"function".equals(type)) {
            throw choice.fail(choice.path("type") + " is '" + type
                    + "'; chatd supports tool_choice auto, none, required or {\"type\":\"function\",\"name\":…}");
        }
        return Map.of("type", "function", "function", Map.of("name", choice.requiredString("name")));
    }

    /**
     * {@code text.format} as OpenAI chat's {@code response_format}; the {@code text} object stays
     * among the extras when it says more ({@code verbosity}).
     */
    private static Object decodeText(JsonObjectView r, Map<String, Object> extra) {
        JsonObjectView text = r.object("text");
        if (text == null) {
            return null;
        }
        if (!Set.of("format").containsAll(text.fields().keySet())) {
            extra.put("text", text.fields());
        }
        JsonObjectView format = text.object("format");
        if (format == null) {
            return null;
        }
        String type = format.requiredString("type");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> Map.of("type", "json_object");
            case "json_schema" -> {
                Map<String, Object> schema = new LinkedHashMap<>();
                schema.put("name", format.requiredString("name"));
                putIfSet(schema, "description", format.string("description"));
                schema.put("schema", format.object("schema") == null ? Map.of() : format.raw("schema"));
                putIfSet(schema, "strict", format.bool("strict"));
                yield Map.of("type", "json_schema", "json_schema", schema);
            }
            default ->
                throw format.fail(
                        format.path("type") + " is '" + type + "'; expected text, json_object or json_schema");
        };
    }

    /** {@code reasoning.effort}; the {@code reasoning} object stays among the extras when it says more ({@code summary}). */
    private static String decodeReasoning(JsonObjectView r, Map<String, Object> extra) {
        JsonObjectView reasoning = r.object("reasoning");
        if (reasoning == null) {
            return null;
        }
        if (!Set.of("effort").containsAll(reasoning.fields().keySet())) {
            extra.put("reasoning", reasoning.fields());
        }
        return reasoning.string("effort");
    }

    // ---- writing ----

    /**
     * The body of a {@code POST /responses} to a Responses-format upstream. A first system
     * message becomes {@code instructions}, the other messages input items; messages read from a
     * Responses client (or reply) go as their verbatim items. An assistant message's reasoning
     * from another format is not sent: a Responses upstream takes back only its own reasoning
     * items. Tools made from the normalised model say {@code strict: false}, since the Responses
     * API would otherwise hold their schemas to its strict subset; a Responses client's own
     * tools go as they were. {@code store} is always false: chatd keeps no state, and sends the
     * whole conversation each time. Stop sequences, seed and log probabilities have no place in
     * the format and are not sent; more than one choice is a 400. Extras go along only when
     * written in this format or in none.
     */
    public static Map<String, Object> encodeRequest(ChatRequest request, boolean stream) {
        if (request.n() != null && request.n() > 1) {
            throw new ChatException.InvalidRequest("n is " + request.n()
                    + "; a Responses-format upstream gives one answer per request, so n must be 1");
        }
        boolean ownExtras = request.extraFormat() == null || FORMAT.equals(request.extraFormat());
        Map<String, Object> extra = ownExtras ? request.extra() : Map.of();

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        List<Message> messages = request.messages();
        int first = 0;
        if (!messages.isEmpty()
                && messages.get(0).role() == Role.SYSTEM
                && verbatim(messages.get(0)) == null
                && messages.get(0).isTextOnly()) {
            body.put("instructions", messages.get(0).text());
            first = 1;
        }
        body.put("input", encodeInput(messages.subList(first, messages.size())));
        if (!request.tools().isEmpty()) {
            body.put("tools", encodeTools(request.tools(), extra.get("tools")));
        }
        putIfSet(body, "tool_choice", encodeToolChoice(request.toolChoice()));
        putIfSet(body, "max_output_tokens", request.maxTokens());
        putIfSet(body, "temperature", request.temperature());
        putIfSet(body, "top_p", request.topP());
        putIfSet(body, "text", encodeText(request.responseFormat(), extra.get("text")));
        putIfSet(body, "reasoning", encodeReasoning(request.reasoningEffort(), extra.get("reasoning")));
        // The raw tools, text and reasoning were used above, or no longer agree with the request.
        extra.forEach((key, value) -> {
            if (!key.equals("tools") && !key.equals("text") && !key.equals("reasoning")) {
                body.putIfAbsent(key, value);
            }
        });
        body.put("store", false);
        body.put("stream", stream);
        return body;
    }

    private static Object encodeInput(List<Message> messages) {
        if (messages.size() == 1
                && messages.get(0).role() == Role.USER
                && verbatim(messages.get(0)) == null
                && messages.get(0).isTextOnly()) {
            return messages.get(0).text(); // what a client's input string reads as
        }
        List<Object> items = new ArrayList<>();
        // Calls without an id (older Ollama) get one here, which the outputs that follow take in order.
        Deque<String> unanswered = new ArrayDeque<>();
        for (Message message : messages) {
            List<Object> kept = verbatim(message);
            if (kept != null) {
                items.addAll(kept);
                message.toolCalls().forEach(call -> unanswered.add(call.id()));
                if (message.toolCallId() != null) {
                    unanswered.remove(message.toolCallId());
                }
                continue;
            }
            switch (message.role()) {
                case SYSTEM -> items.add(messageItem("system", inputContent(message.content())));
                case USER -> items.add(messageItem("user", inputContent(message.content())));
                case ASSISTANT -> {
                    if (!message.text().isEmpty()) {
                        items.add(messageItem("assistant", message.text()));
                    }
                    for (ToolCall call : message.toolCalls()) {
                        String id = call.id() != null ? call.id() : ResponsesIds.call();
                        unanswered.add(id);
                        Map<String, Object> item = new LinkedHashMap<>();
                        item.put("type", "function_call");
                        item.put("call_id", id);
                        item.put("name", call.name());
                        item.put("arguments", call.arguments());
                        items.add(item);
                    }
                }
                case TOOL -> {
                    String id = message.toolCallId() != null ? message.toolCallId() : unanswered.poll();
                    if (id == null) {
                        throw new ChatException.InvalidRequest(
                                "a tool message without tool_call_id cannot go to a Responses-format upstream");
                    }
                    unanswered.remove(id);
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("type", "function_call_output");
                    item.put("call_id", id);
                    item.put("output", message.isTextOnly() ? message.text() : inputContent(message.content()));
                    items.add(item);
                }
            }
        }
        return items;
    }

    private static Map<String, Object> messageItem(String role, Object content) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("type", "message");
        item.put("role", role);
        item.put("content", content);
        return item;
    }

    private static List<Object> inputContent(List<ContentPart> parts) {
        List<Object> content = new ArrayList<>(parts.size());
        for (ContentPart part : parts) {
            Map<String, Object> p = new LinkedHashMap<>();
            switch (part) {
                case ContentPart.Text t -> {
                    p.put("type", "input_text");
                    p.put("text", t.text());
                }
                case ContentPart.Image i -> {
                    p.put("type", "input_image");
                    p.put("image_url", i.url());
                    p.put("detail", i.detail() != null ? i.detail() : "auto");
                }
            }
            content.add(p);
        }
        return content;
    }

    /** A message's verbatim items in this format, while they still say what the message says; else null. */
    static List<Object> verbatim(Message message) {
        Message.Verbatim kept = message.verbatim();
        if (kept == null || !FORMAT.equals(kept.format())) {
            return null;
        }
        try {
            JsonObjectView owner = JsonObjectView.of(Map.of(), "message", IllegalArgumentException::new);
            List<Message> read = decodeItems(kept.blocks(), owner, "items", message.role() == Role.ASSISTANT);
            if (read.size() == 1 && read.get(0).saysTheSameAs(message)) {
                return new ArrayList<>(kept.blocks());
            }
        } catch (RuntimeException e) {
            // items that no longer read: the normalised fields decide
        }
        return null;
    }

    private static List<Object> encodeTools(List<Tool> tools, Object rawTools) {
        Map<String, Map<?, ?>> given = new LinkedHashMap<>();
        if (rawTools instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> tool && tool.get("name") instanceof String name) {
                    given.put(name, tool);
                }
            }
        }
        List<Object> encoded = new ArrayList<>(tools.size());
        for (Tool tool : tools) {
            Map<?, ?> raw = given.get(tool.name());
            if (raw != null
                    && Objects.equals(raw.get("description"), tool.description())
                    && Objects.equals(raw.get("parameters"), tool.parameters())) {
                encoded.add(raw); // with its strict
                continue;
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("type", "function");
            t.put("name", tool.name());
            putIfSet(t, "description", tool.description());
            t.put(
                    "parameters",
                    tool.parameters() != null ? tool.parameters() : Map.of("type", "object", "properties", Map.of()));
            t.put("strict", false);
            encoded.add(t);
        }
        return encoded;
    }

    /** OpenAI chat's {@code tool_choice} as the Responses one; null for what the format has no word for. */
    private static Object encodeToolChoice(Object choice) {
        if (choice instanceof String s) {
            return s.equals("auto") || s.equals("none") || s.equals("required") ? s : null;
        }
        if (choice instanceof Map<?, ?> m
                && m.get("function") instanceof Map<?, ?> f
                && f.get("name") instanceof String name) {
            return Map.of("type", "function", "name", name);
        }
        return null;
    }

    /** {@code text}: the client's own, less its format, with the response format as a Responses {@code format}. */
    private static Map<String, Object> encodeText(Object responseFormat, Object raw) {
        Map<String, Object> text = new LinkedHashMap<>();
        if (raw instanceof Map<?, ?> given) {
            given.forEach((key, value) -> text.put(String.valueOf(key), value));
        }
        text.remove("format");
        if (responseFormat instanceof Map<?, ?> format && format.get("type") instanceof String type) {
            switch (type) {
                case "json_object" -> text.put("format", Map.of("type", "json_object"));
                case "json_schema" -> {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("type", "json_schema");
                    if (format.get("json_schema") instanceof Map<?, ?> schema) {
                        schema.forEach((key, value) -> f.put(String.valueOf(key), value));
                    }
                    text.put("format", f);
                }
                case "text" -> text.put("format", Map.of("type", "text"));
                default -> {}
            }
        }
        return text.isEmpty() ? null : text;
    }

    /** {@code reasoning}: the client's own ({@code summary}) with the request's effort. */
    private static Map<String, Object> encodeReasoning(String effort, Object raw) {
        Map<String, Object> reasoning = new LinkedHashMap<>();
        if (raw instanceof Map<?, ?> given) {
            given.forEach((key, value) -> reasoning.put(String.valueOf(key), value));
        }
        reasoning.remove("effort");
        if (effort != null) {
            reasoning.put("effort", effort);
        }
        return reasoning.isEmpty() ? null : reasoning;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
