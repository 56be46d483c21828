package dev.chatd.kit.anthropic;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonCodec;
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
 * Anthropic Messages requests, both ways: reading one from a client ({@code POST /v1/messages}
 * and {@code /v1/messages/count_tokens}) and writing one to an Anthropic-format upstream, plus an
 * estimate of the input tokens.
 *
 * <p>Reading: {@code system} (a string, or text blocks) becomes a system message; a user
 * message's {@code tool_result} blocks become {@code tool} messages, one per block, in order,
 * and its other blocks a user message; {@code tool_use} becomes a tool call (its {@code input}
 * as JSON text), {@code thinking} the message's reasoning. Each message also keeps the blocks it
 * came from ({@link Message.Verbatim}), so that an Anthropic-format upstream receives them as
 * they were: thinking signatures, {@code redacted_thinking}, {@code cache_control},
 * {@code is_error}, citations and block types chatd does not model. Other upstreams get the
 * normalised message only; there a {@code tool_result} with {@code is_error} reads
 * {@code "Error: …"}, since they have no such flag. {@code thinking} becomes a reasoning effort
 * ({@link #effortFor(int)}), {@code tool_choice} OpenAI's {@code tool_choice}; the request's
 * fields chatd does not model ({@code top_k}, {@code metadata}, …) are extras in {@link #FORMAT},
 * and so reach only Anthropic-format upstreams.
 *
 * @since 0.3
 */
public final class AnthropicMessagesRequests {
    /** The name of this format, which a {@link ChatRequest}'s extras were written in ({@link ChatRequest#extraFormat()}). */
    public static final String FORMAT = "anthropic-messages";

    /**
     * The {@code max_tokens} sent to an Anthropic-format upstream, which requires one, when the
     * request sets none (a client of another format): enough for a long answer, and below every
     * current Claude model's output limit.
     */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    /** Anthropic's smallest thinking budget. */
    public static final int MIN_THINKING_BUDGET = 1024;

    private static final Set<String> REQUEST_FIELDS = Set.of(
            "model",
            "max_tokens",
            "system",
            "messages",
            "tools",
            "tool_choice",
            "stop_sequences",
            "temperature",
            "top_p",
            "thinking",
            "stream");

    private static final Set<String> TOOL_FIELDS = Set.of("name", "description", "input_schema");

    private AnthropicMessagesRequests() {}

    /**
     * Reads a {@code POST /v1/messages} body; {@code max_tokens} is required. Errors name the
     * offending path through the view's error factory.
     */
    public static ChatRequest decodeRequest(JsonObjectView r) {
        if (r.raw("max_tokens") == null) {
            throw r.fail("max_tokens is required");
        }
        return decode(r);
    }

    /** Reads a {@code POST /v1/messages/count_tokens} body: a messages body without {@code max_tokens}. */
    public static ChatRequest decodeCountRequest(JsonObjectView r) {
        return decode(r);
    }

    private static ChatRequest decode(JsonObjectView r) {
        Integer maxTokens = r.integer("max_tokens");
        if (maxTokens != null && maxTokens < 1) {
            throw r.fail("max_tokens is " + maxTokens + "; it must be 1 or more");
        }
        List<Message> messages = new ArrayList<>(decodeSystem(r));
        messages.addAll(decodeMessages(r));
        Map<String, Object> extra = r.otherThan(REQUEST_FIELDS);
        List<Tool> tools = decodeTools(r, extra);
        Object toolChoice = decodeToolChoice(r, extra);
        String effort = decodeThinking(r, extra);
        return ChatRequest.builder()
                .model(r.requiredString("model"))
                .messages(messages)
                .temperature(r.decimal("temperature"))
                .topP(r.decimal("top_p"))
                .maxTokens(maxTokens)
                .stop(r.strings("stop_sequences"))
                .tools(tools)
                .toolChoice(toolChoice)
                .reasoningEffort(effort)
                .extra(extra, FORMAT)
                .build();
    }

    // ---- reading ----

    private static List<Message> decodeSystem(JsonObjectView r) {
        Object system = r.raw("system");
        if (system == null) {
            return List.of();
        }
        if (system instanceof String text) {
            return text.isEmpty() ? List.of() : List.of(Message.of(Role.SYSTEM, text));
        }
        List<Object> blocks = r.array("system");
        if (blocks == null) {
            throw r.fail("system must be a string or an array of text blocks");
        }
        List<ContentPart> parts = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            JsonObjectView block = r.at(blocks.get(i), "system[" + i + "]");
            String type = block.requiredString("type");
            if (!"text".equals(type)) {
                throw block.fail(block.path("type") + " is '" + type + "'; system blocks are text blocks");
            }
            parts.add(new ContentPart.Text(text(block)));
        }
        return List.of(new Message(
                Role.SYSTEM, parts, null, List.of(), null, null, Map.of(), new Message.Verbatim(FORMAT, blocks)));
    }

    private static List<Message> decodeMessages(JsonObjectView r) {
        List<Object> array = r.array("messages");
        if (array == null || array.isEmpty()) {
            throw r.fail("messages is required and must hold at least one message");
        }
        List<Message> messages = new ArrayList<>(array.size() + 2);
        for (int i = 0; i < array.size(); i++) {
            JsonObjectView m = r.at(array.get(i), "messages[" + i + "]");
            String roleName = m.requiredString("role");
            Role role = switch (roleName) {
                case "user" -> Role.USER;
                case "assistant" -> Role.ASSISTANT;
                default ->
                    throw m.fail(m.path("role") + " is '" + roleName
                            + "'; expected user or assistant (the system prompt is the request's system)");
            };
            Object content = m.raw("content");
            if (content instanceof String text) {
                messages.add(Message.of(role, text));
            } else if (content instanceof List<?>) {
                messages.addAll(decodeBlocks(role, m.array("content"), m, m.path("content")));
            } else {
                throw m.fail(m.path("content") + " is required and must be a string or an array of blocks");
            }
        }
        return messages;
    }

    /**
     * The normalised messages of one Anthropic message's blocks: for a user message, a
     * {@code tool} message per {@code tool_result} and a user message per run of other blocks;
     * for an assistant message, one message. Each keeps its blocks verbatim.
     */
    static List<Message> decodeBlocks(Role role, List<Object> blocks, JsonObjectView owner, String path) {
        List<Message> messages = new ArrayList<>(2);
        Pending pending = new Pending(role);
        for (int i = 0; i < blocks.size(); i++) {
            JsonObjectView block = owner.at(blocks.get(i), path + "[" + i + "]");
            String type = block.requiredString("type");
            switch (type) {
                case "text" -> pending.add(block.fields(), new ContentPart.Text(text(block)));
                case "image" -> pending.add(block.fields(), image(block));
                case "tool_use" -> {
                    pending.keep(block.fields());
                    Object input = block.raw("input");
                    pending.calls.add(new ToolCall(
                            block.string("id"),
                            block.requiredString("name"),
                            input == null ? "{}" : JsonCodec.writeString(input)));
                }
                case "thinking" -> {
                    pending.keep(block.fields());
                    String thinking = block.string("thinking");
                    if (thinking != null) {
                        pending.reasoning = pending.reasoning == null ? thinking : pending.reasoning + thinking;
                    }
                }
                case "tool_result" -> {
                    if (role != Role.USER) {
                        throw block.fail(block.path("type") + " is tool_result, which only a user message carries");
                    }
                    pending.flushInto(messages);
                    messages.add(toolResult(block));
                }
                // redacted_thinking, document, search_result and the rest mean nothing to other
                // upstreams; they travel in the verbatim blocks only.
                default -> pending.keep(block.fields());
            }
        }
        pending.flushInto(messages);
        return messages;
    }

    /** The blocks of one normalised message being read, and what they say. */
    private static final class Pending {
        final Role role;
        final List<Object> blocks = new ArrayList<>();
        final List<ContentPart> parts = new ArrayList<>();
        final List<ToolCall> calls = new ArrayList<>();
        String reasoning;

        Pending(Role role) {
            this.role = role;
        }

        void add(Map<String, Object> block, ContentPart part) {
            blocks.add(block);
            parts.add(part);
        }

        void keep(Map<String, Object> block) {
            blocks.add(block);
        }

        void flushInto(List<Message> messages) {
            if (blocks.isEmpty()) {
                return;
            }
            messages.add(new Message(
                    role, parts, null, calls, null, reasoning, Map.of(), new Message.Verbatim(FORMAT, blocks)));
            blocks.clear();
            parts.clear();
            calls.clear();
            reasoning = null;
        }
    }

    private static Message toolResult(JsonObjectView block) {
        String id = block.requiredString("tool_use_id");
        List<ContentPart> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Object content = block.raw("content");
        if (content instanceof String s) {
            text.append(s);
        } else if (content != null) {
            List<Object> inner = block.array("content");
            if (inner == null) {
                throw block.fail(block.path("content") + " must be a string or an array of blocks");
            }
            for (int i = 0; i < inner.size(); i++) {
                JsonObjectView part = block.at(inner.get(i), block.path("content") + "[" + i + "]");
                String type = part.requiredString("type");
                if ("text".equals(type)) {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(text(part));
                } else if ("image".equals(type)) {
                    parts.add(image(part));
                }
            }
        }
        if (Boolean.TRUE.equals(block.bool("is_error"))) {
            // Other formats have no error flag on a tool result; the text says it instead.
            text.insert(0, text.isEmpty() ? "Error" : "Error: ");
        }
        if (!text.isEmpty() || parts.isEmpty()) {
            parts.add(0, new ContentPart.Text(text.toString()));
        }
        return new Message(
                Role.TOOL,
                parts,
                null,
                List.of(),
                id,
                null,
                Map.of(),
                new Message.Verbatim(FORMAT, List.of(block.fields())));
    }

    private static String text(JsonObjectView block) {
        String text = block.string("text");
        if (text == null) {
            throw block.fail(block.path("text") + " is required");
        }
        return text;
    }

    private static ContentPart.Image image(JsonObjectView block) {
        JsonObjectView source = block.object("source");
        if (source == null) {
            throw block.fail(block.path("source") + " is required");
        }
        String type = source.requiredString("type");
        return switch (type) {
            case "base64" ->
                new ContentPart.Image(
                        "data:" + source.requiredString("media_type") + ";base64," + source.requiredString("data"),
                        null);
            case "url" -> new ContentPart.Image(source.requiredString("url"), null);
            default ->
                throw source.fail(source.path("type") + " is '" + type + "'; chatd supports base64 and url images");
        };
    }

    /**
     * The tools, {@code input_schema} as the parameters. A tool with more than a name, a
     * description and a schema ({@code cache_control}, or a server tool's {@code type}) leaves
     * the whole {@code tools} array among the extras, for Anthropic-format upstreams.
     */
    private static List<Tool> decodeTools(JsonObjectView r, Map<String, Object> extra) {
        List<Object> tools = r.array("tools");
        if (tools == null) {
            return List.of();
        }
        List<Tool> decoded = new ArrayList<>(tools.size());
        boolean more = false;
        for (int i = 0; i < tools.size(); i++) {
            JsonObjectView tool = r.at(tools.get(i), "tools[" + i + "]");
            decoded.add(new Tool(tool.requiredString("name"), tool.string("description"), tool.raw("input_schema")));
            more |= !TOOL_FIELDS.containsAll(tool.fields().keySet());
        }
        if (more) {
            extra.put("tools", tools);
        }
        return decoded;
    }

    /**
     * {@code tool_choice} as OpenAI's: {@code auto}, {@code required} (Anthropic's {@code any}),
     * {@code none}, or a named function. One with {@code disable_parallel_tool_use} stays among
     * the extras as well, for Anthropic-format upstreams.
     */
    private static Object decodeToolChoice(JsonObjectView r, Map<String, Object> extra) {
        JsonObjectView choice = r.object("tool_choice");
        if (choice == null) {
            return null;
        }
        Object normalised = toolChoice(choice);
        if (choice.fields().size() > ("tool".equals(choice.string("type")) ? 2 : 1)) {
            extra.put("tool_choice", choice.fields());
        }
        return normalised;
    }

    private static Object toolChoice(JsonObjectView choice) {
        String type = choice.requiredString("type");
        return switch (type) {
            case "auto" -> "auto";
            case "any" -> "required";
            case "none" -> "none";
            case "tool" -> Map.of("type", "function", "function", Map.of("name", choice.requiredString("name")));
            default -> throw choice.fail(choice.path("type") + " is '" + type + "'; expected auto, any, tool or none");
        };
    }

    /**
     * {@code thinking} as a reasoning effort: enabled by its budget ({@link #effortFor(int)}),
     * disabled as {@code none}. The object stays among the extras too, so that an
     * Anthropic-format upstream gets the exact budget.
     */
    private static String decodeThinking(JsonObjectView r, Map<String, Object> extra) {
        JsonObjectView thinking = r.object("thinking");
        if (thinking == null) {
            return null;
        }
        extra.put("thinking", thinking.fields());
        return thinkingEffort(thinking);
    }

    private static String thinkingEffort(JsonObjectView thinking) {
        String type = thinking.requiredString("type");
        return switch (type) {
            case "enabled" -> {
                Integer budget = thinking.integer("budget_tokens");
                if (budget == null) {
                    throw thinking.fail(thinking.path("budget_tokens") + " is required when thinking is enabled");
                }
                yield effortFor(budget);
            }
            case "disabled" -> "none";
            default -> null; // a newer kind of thinking: left to Anthropic-format upstreams
        };
    }

    /**
     * The reasoning effort for a thinking budget: below 4,096 tokens {@code low}, below 16,384
     * {@code medium}, else {@code high}. The bounds put Claude Code's budgets ("think" 4,000,
     * "think hard" 10,000, "ultrathink" 31,999) on three different efforts.
     */
    public static String effortFor(int budgetTokens) {
        return budgetTokens < 4096 ? "low" : budgetTokens < 16384 ? "medium" : "high";
    }

    /**
     * The thinking budget for a reasoning effort: {@code minimal} 1,024 (Anthropic's least),
     * {@code low} 2,048, {@code medium} 8,192, {@code high} 24,576; null for {@code none} and
     * for values it does not know. Each budget reads back as the same effort, but
     * {@code minimal}, which reads back as {@code low}.
     */
    public static Integer budgetFor(String effort) {
        if (effort == null) {
            return null;
        }
        return switch (effort) {
            case "minimal" -> MIN_THINKING_BUDGET;
            case "low" -> 2048;
            case "medium" -> 8192;
            case "high" -> 24576;
            default -> null;
        };
    }

    // ---- writing ----

    /**
     * The body of a {@code POST /v1/messages} to an Anthropic-format upstream. System messages,
     * wherever they are, make {@code system}; {@code tool} messages become {@code tool_result}
     * blocks of one user message with whatever user message follows (results first, as
     * Anthropic requires); consecutive messages of one role are merged. Messages read from an
     * Anthropic client go as their verbatim blocks. {@code max_tokens} is
     * {@link #DEFAULT_MAX_TOKENS} when unset (plus the thinking budget when thinking);
     * {@code reasoningEffort} becomes {@code thinking} ({@link #budgetFor}), the budget cut to
     * fit below {@code max_tokens}, thinking left off where it cannot fit. An assistant
     * message's reasoning without the signature Anthropic requires (from another format) is
     * not sent. Seed, response format and log probabilities have no Anthropic equivalent and are
     * not sent; more than one choice is a 400. Extras go along only when written in this format
     * or in none.
     */
    public static Map<String, Object> encodeRequest(ChatRequest request, boolean stream) {
        if (request.n() != null && request.n() > 1) {
            throw new ChatException.InvalidRequest("n is " + request.n()
                    + "; an Anthropic-format upstream gives one answer per request, so n must be 1");
        }
        boolean ownExtras = request.extraFormat() == null || FORMAT.equals(request.extraFormat());
        Map<String, Object> extra = ownExtras ? request.extra() : Map.of();
        Map<String, Object> thinking = clientThinking(request, extra);
        boolean made = thinking == null;
        if (made) {
            thinking = thinking(request.reasoningEffort());
        }
        Integer budget = thinking != null && thinking.get("budget_tokens") instanceof Number n ? n.intValue() : null;
        int maxTokens =
                request.maxTokens() != null ? request.maxTokens() : DEFAULT_MAX_TOKENS + (budget == null ? 0 : budget);
        if (made && budget != null && budget >= maxTokens) {
            // Anthropic wants the budget below max_tokens; a client's own thinking is its own business.
            budget = maxTokens - 1;
            thinking = budget < MIN_THINKING_BUDGET ? null : Map.of("type", "enabled", "budget_tokens", budget);
        }

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("max_tokens", maxTokens);
        Object system = encodeSystem(request.messages());
        if (system != null) {
            body.put("system", system);
        }
        body.put("messages", encodeMessages(request.messages()));
        putIfSet(body, "temperature", request.temperature());
        putIfSet(body, "top_p", request.topP());
        if (!request.stop().isEmpty()) {
            body.put("stop_sequences", request.stop());
        }
        if (!request.tools().isEmpty()) {
            body.put("tools", encodeTools(request.tools(), extra.get("tools")));
            Object choice = encodeToolChoice(request.toolChoice(), extra.get("tool_choice"));
            putIfSet(body, "tool_choice", choice);
        }
        putIfSet(body, "thinking", thinking);
        // The raw tools, tool_choice and thinking were used above, or no longer agree with the
        // request: either way they are not sent as they are.
        extra.forEach((key, value) -> {
            if (!key.equals("tools") && !key.equals("tool_choice") && !key.equals("thinking")) {
                body.putIfAbsent(key, value);
            }
        });
        body.put("stream", stream);
        return body;
    }

    /** The client's own {@code thinking} while it still says the request's effort, else null. */
    private static Map<String, Object> clientThinking(ChatRequest request, Map<String, Object> extra) {
        if (extra.get("thinking") instanceof Map<?, ?> raw) {
            try {
                JsonObjectView given = JsonObjectView.of(raw, "thinking", IllegalArgumentException::new);
                if (Objects.equals(thinkingEffort(given), request.reasoningEffort())) {
                    return given.fields();
                }
            } catch (IllegalArgumentException e) {
                // not Anthropic's shape: made from the effort instead
            }
        }
        return null;
    }

    /** {@code thinking} for a reasoning effort, or null when the effort asks for nothing Anthropic has. */
    private static Map<String, Object> thinking(String effort) {
        if ("none".equals(effort)) {
            return Map.of("type", "disabled");
        }
        Integer budget = budgetFor(effort);
        return budget == null ? null : Map.of("type", "enabled", "budget_tokens", budget);
    }

    private static Object encodeSystem(List<Message> messages) {
        List<Message> system = new ArrayList<>();
        for (Message message : messages) {
            if (message.role() == Role.SYSTEM) {
                system.add(message);
            }
        }
        if (system.isEmpty()) {
            return null;
        }
        if (system.size() == 1
                && verbatim(system.get(0)) == null
                && system.get(0).isTextOnly()) {
            return system.get(0).text();
        }
        List<Object> blocks = new ArrayList<>();
        for (Message message : system) {
            List<Object> kept = verbatim(message);
            if (kept != null) {
                blocks.addAll(kept);
            } else {
                for (ContentPart part : message.content()) {
                    if (part instanceof ContentPart.Text t && !t.text().isEmpty()) {
                        blocks.add(textBlock(t.text()));
                    }
                }
            }
        }
        return blocks;
    }

    private static List<Object> encodeMessages(List<Message> messages) {
        List<Map<String, Object>> turns = new ArrayList<>();
        // Calls without an id (older Ollama) get one here, which the results that follow take in order.
        Deque<String> unanswered = new ArrayDeque<>();
        for (Message message : messages) {
            if (message.role() == Role.SYSTEM) {
                continue;
            }
            String role = message.role() == Role.ASSISTANT ? "assistant" : "user";
            List<Object> blocks = verbatim(message);
            if (blocks == null) {
                blocks = encodeBlocks(message, unanswered);
            } else {
                blocks.removeIf(AnthropicMessagesRequests::isUnsigned);
            }
            if (blocks.isEmpty()) {
                continue; // Anthropic refuses empty content
            }
            Map<String, Object> last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
            if (last != null && role.equals(last.get("role"))) {
                @SuppressWarnings("unchecked")
                List<Object> merged = (List<Object>) last.get("content");
                merged.addAll(blocks);
            } else {
                Map<String, Object> turn = new LinkedHashMap<>();
                turn.put("role", role);
                turn.put("content", new ArrayList<>(blocks));
                turns.add(turn);
            }
        }
        List<Object> encoded = new ArrayList<>(turns.size());
        for (Map<String, Object> turn : turns) {
            @SuppressWarnings("unchecked")
            List<Object> content = (List<Object>) turn.get("content");
            if ("user".equals(turn.get("role"))) {
                resultsFirst(content);
            }
            encoded.add(turn);
        }
        return encoded;
    }

    /**
     * A thinking block without a signature: what chatd writes for another format's reasoning,
     * which an Anthropic client may send back, and which Anthropic would refuse.
     */
    private static boolean isUnsigned(Object block) {
        return block instanceof Map<?, ?> b
                && "thinking".equals(b.get("type"))
                && !(b.get("signature") instanceof String s && !s.isEmpty());
    }

    /** Anthropic wants a user message's tool results before its other blocks; the order within each kind stays. */
    private static void resultsFirst(List<Object> content) {
        List<Object> results = new ArrayList<>();
        List<Object> others = new ArrayList<>();
        for (Object block : content) {
            (block instanceof Map<?, ?> b && "tool_result".equals(b.get("type")) ? results : others).add(block);
        }
        content.clear();
        content.addAll(results);
        content.addAll(others);
    }

    /** A message's blocks made from its normalised fields. */
    private static List<Object> encodeBlocks(Message message, Deque<String> unanswered) {
        List<Object> blocks = new ArrayList<>();
        if (message.role() == Role.TOOL) {
            String id = message.toolCallId() != null ? message.toolCallId() : unanswered.poll();
            if (id == null) {
                throw new ChatException.InvalidRequest(
                        "a tool message without tool_call_id cannot go to an Anthropic-format upstream");
            }
            unanswered.remove(id);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("type", "tool_result");
            result.put("tool_use_id", id);
            if (message.isTextOnly()) {
                if (!message.text().isEmpty()) {
                    result.put("content", message.text());
                }
            } else {
                result.put("content", contentBlocks(message.content()));
            }
            blocks.add(result);
            return blocks;
        }
        blocks.addAll(contentBlocks(message.content()));
        for (ToolCall call : message.toolCalls()) {
            String id = call.id() != null ? call.id() : AnthropicIds.toolUse();
            unanswered.add(id);
            Map<String, Object> use = new LinkedHashMap<>();
            use.put("type", "tool_use");
            use.put("id", id);
            use.put("name", call.name());
            use.put("input", input(call.arguments()));
            blocks.add(use);
        }
        return blocks;
    }

    /** Tool-call arguments as the object Anthropic's {@code input} must be; anything else is wrapped, not lost. */
    static Object input(String arguments) {
        try {
            Object parsed = JsonCodec.parse(arguments);
            if (parsed instanceof Map<?, ?>) {
                return parsed;
            }
        } catch (JsonCodec.MalformedJsonException e) {
            // an upstream's broken arguments: kept as text below
        }
        return Map.of("arguments", arguments);
    }

    private static List<Object> contentBlocks(List<ContentPart> parts) {
        List<Object> blocks = new ArrayList<>(parts.size());
        for (ContentPart part : parts) {
            switch (part) {
                case ContentPart.Text t -> {
                    if (!t.text().isEmpty()) {
                        blocks.add(textBlock(t.text()));
                    }
                }
                case ContentPart.Image i -> blocks.add(imageBlock(i.url()));
            }
        }
        return blocks;
    }

    private static Map<String, Object> textBlock(String text) {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("type", "text");
        block.put("text", text);
        return block;
    }

    /** An image block: a {@code data:} URL as a base64 source, any other URL as a url source. */
    static Map<String, Object> imageBlock(String url) {
        Map<String, Object> source = new LinkedHashMap<>();
        int comma = url.indexOf(',');
        if (url.startsWith("data:") && comma > 0 && url.substring(0, comma).endsWith(";base64")) {
            source.put("type", "base64");
            source.put("media_type", url.substring("data:".length(), comma - ";base64".length()));
            source.put("data", url.substring(comma + 1));
        } else {
            source.put("type", "url");
            source.put("url", url);
        }
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("type", "image");
        block.put("source", source);
        return block;
    }

    /** A message's verbatim blocks in this format, while they still say what the message says; else null. */
    static List<Object> verbatim(Message message) {
        Message.Verbatim kept = message.verbatim();
        if (kept == null || !FORMAT.equals(kept.format())) {
            return null;
        }
        try {
            JsonObjectView owner = JsonObjectView.of(Map.of(), "message", IllegalArgumentException::new);
            List<Message> read;
            if (message.role() == Role.SYSTEM) {
                JsonObjectView system =
                        JsonObjectView.of(Map.of("system", kept.blocks()), "system", IllegalArgumentException::new);
                read = decodeSystem(system);
            } else {
                read = decodeBlocks(
                        message.role() == Role.ASSISTANT ? Role.ASSISTANT : Role.USER, kept.blocks(), owner, "content");
            }
            if (read.size() == 1 && read.get(0).saysTheSameAs(message)) {
                return new ArrayList<>(kept.blocks());
            }
        } catch (RuntimeException e) {
            // blocks that no longer read: the normalised fields decide
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
                    && Objects.equals(raw.get("input_schema"), tool.parameters())) {
                encoded.add(raw); // with its cache_control, or a server tool's type
                continue;
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", tool.name());
            if (tool.description() != null) {
                t.put("description", tool.description());
            }
            t.put("input_schema", tool.parameters() != null ? tool.parameters() : Map.of("type", "object"));
            encoded.add(t);
        }
        return encoded;
    }

    /** OpenAI's {@code tool_choice} as Anthropic's; the client's own while it still says the same. */
    private static Object encodeToolChoice(Object choice, Object raw) {
        if (choice == null) {
            return null;
        }
        if (raw instanceof Map<?, ?> given) {
            try {
                if (choice.equals(toolChoice(JsonObjectView.of(given, "tool_choice", IllegalArgumentException::new)))) {
                    return given;
                }
            } catch (IllegalArgumentException e) {
                // not Anthropic's shape: made afresh below
            }
        }
        if (choice instanceof String s) {
            return switch (s) {
                case "auto" -> Map.of("type", "auto");
                case "required" -> Map.of("type", "any");
                case "none" -> Map.of("type", "none");
                default -> null;
            };
        }
        if (choice instanceof Map<?, ?> m
                && m.get("function") instanceof Map<?, ?> f
                && f.get("name") instanceof String n) {
            return Map.of("type", "tool", "name", n);
        }
        return null;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    // ---- counting ----

    /**
     * An estimate of the input tokens Anthropic would count for the request, for
     * {@code count_tokens} when the upstream cannot count. Text is counted at 3.5 characters a
     * token (system, message text, tool results, tool names, descriptions and schemas as JSON,
     * tool-call inputs as JSON, thinking); each message adds 3 tokens of framing, each tool 8,
     * and any tools at all add the 346 tokens of the tool-use system prompt Anthropic documents;
     * an image counts 1,600 tokens, the most Anthropic charges for one after resizing. As
     * Anthropic does, thinking counts only in the last assistant message (earlier turns'
     * thinking is stripped); {@code redacted_thinking} is encrypted and is not counted.
     *
     * <p>How close: on the texts it counts, against Anthropic's published tokenizer
     * ({@code @anthropic-ai/tokenizer} 0.0.4, {@code kit/src/test/calibration/}), the estimate is
     * off by -7% (English prose), +2% (Markdown), +3% (JSON tool output), +17% (a Claude Code
     * request with 16 tools) and +20% (Java source in a tool result); it errs high on code,
     * which makes an agent compact a little early rather than overflow. That tokenizer is
     * Claude 2's: Anthropic says it is only approximate for later models, and this estimate
     * has not been compared with a live {@code count_tokens}.
     */
    public static int estimateInputTokens(ChatRequest request) {
        return TokenEstimate.of(request);
    }
}
