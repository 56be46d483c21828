package dev.chatd.tck;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;

/**
 * The wire format a provider's upstream speaks, which decides how {@link ProviderContract}
 * scripts the {@link FakeUpstream}: its paths, its reply bodies and its stream framing.
 */
public enum UpstreamFormat {
    /** OpenAI chat completions: {@code /chat/completions}, {@code /models}, SSE streams. */
    OPENAI_CHAT("/chat/completions", "/models"),
    /** Ollama: {@code /api/chat}, {@code /api/tags}, NDJSON streams. */
    OLLAMA("/api/chat", "/api/tags"),
    /**
     * Anthropic Messages: {@code /messages}, keyed with {@code x-api-key}, SSE streams of named
     * events; the model list is Anthropic's {@code /models}.
     *
     * @since 0.3
     */
    ANTHROPIC_MESSAGES("/messages", "/models");

    private final String chatPath;
    private final String modelsPath;

    UpstreamFormat(String chatPath, String modelsPath) {
        this.chatPath = chatPath;
        this.modelsPath = modelsPath;
    }

    /** The chat endpoint, relative to the base URL. */
    public String chatPath() {
        return chatPath;
    }

    /** The model-listing endpoint, relative to the base URL. */
    public String modelsPath() {
        return modelsPath;
    }

    /** The request header that carries the key. */
    public String keyHeader() {
        return this == ANTHROPIC_MESSAGES ? "x-api-key" : "Authorization";
    }

    /** The value of {@link #keyHeader()} for {@code key}. */
    public String keyValue(String key) {
        return this == ANTHROPIC_MESSAGES ? key : "Bearer " + key;
    }

    /** The content type of a streamed answer. */
    public String streamContentType() {
        return this == OLLAMA ? "application/x-ndjson" : "text/event-stream";
    }

    /** A complete non-streamed reply: one assistant message ({@code messageJson}) and its usage. */
    public String reply(String model, String messageJson, String finishReason, int prompt, int completion) {
        return switch (this) {
            case OPENAI_CHAT ->
                """
                    {"id":"chatcmpl-123","object":"chat.completion","created":1700000000,"model":"%s",
                     "choices":[{"index":0,"message":%s,"finish_reason":"%s"}],
                     "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}
                    """.formatted(model, messageJson, finishReason, prompt, completion, prompt + completion);
            case OLLAMA -> """
                    {"model":"%s","created_at":"2025-01-01T00:00:00Z","message":%s,"done":true,
                     "done_reason":"%s","prompt_eval_count":%d,"eval_count":%d}
                    """.formatted(model, messageJson, finishReason, prompt, completion);
            case ANTHROPIC_MESSAGES -> anthropicReply(model, messageJson, finishReason, prompt, completion);
        };
    }

    /**
     * An Anthropic {@code message} saying what the OpenAI-shaped {@code messageJson} says: its
     * text as a text block, each tool call as a {@code tool_use} block (arguments given as JSON
     * text are parsed, since Anthropic's {@code input} is an object); the finish reason as the
     * {@code stop_reason} that means it.
     */
    private static String anthropicReply(
            String model, String messageJson, String finishReason, int prompt, int completion) {
        JsonObject message = Json.createReader(new StringReader(messageJson)).readObject();
        JsonArrayBuilder content = Json.createArrayBuilder();
        if (message.get("content") instanceof JsonString text
                && !text.getString().isEmpty()) {
            content.add(Json.createObjectBuilder().add("type", "text").add("text", text.getString()));
        }
        if (message.get("tool_calls") instanceof jakarta.json.JsonArray calls) {
            for (JsonValue call : calls) {
                JsonObject function = call.asJsonObject().getJsonObject("function");
                JsonValue arguments = function.get("arguments");
                JsonObjectBuilder use = Json.createObjectBuilder()
                        .add("type", "tool_use")
                        .add("id", call.asJsonObject().getString("id", "toolu_01"))
                        .add("name", function.getString("name"))
                        .add(
                                "input",
                                arguments instanceof JsonString json
                                        ? Json.createReader(new StringReader(json.getString()))
                                                .readValue()
                                        : arguments);
                content.add(use);
            }
        }
        String stopReason = switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls" -> "tool_use";
            default -> "end_turn";
        };
        return Json.createObjectBuilder()
                .add("id", "msg_01")
                .add("type", "message")
                .add("role", "assistant")
                .add("model", model)
                .add("content", content)
                .add("stop_reason", stopReason)
                .addNull("stop_sequence")
                .add(
                        "usage",
                        Json.createObjectBuilder().add("input_tokens", prompt).add("output_tokens", completion))
                .build()
                .toString();
    }

    /** A streamed answer in this format: {@code pieces} of text, then a stop with usage. */
    public FakeUpstream.StreamScript stream(String model, String... pieces) {
        if (this == ANTHROPIC_MESSAGES) {
            FakeUpstream.StreamScript script = FakeUpstream.sse()
                    .write(anthropicEvent(
                            "message_start",
                            "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                                    + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],"
                                    + "\"stop_reason\":null,\"stop_sequence\":null,"
                                    + "\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}"))
                    .write(anthropicEvent(
                            "content_block_start",
                            "{\"type\":\"content_block_start\",\"index\":0,"
                                    + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"))
                    .write(anthropicEvent("ping", "{\"type\":\"ping\"}"));
            for (String piece : pieces) {
                script = script.write(anthropicTextDelta(piece));
            }
            return script.write(anthropicEvent("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"))
                    .write(anthropicEvent(
                            "message_delta",
                            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                                    + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}"))
                    .write(anthropicEvent("message_stop", "{\"type\":\"message_stop\"}"));
        }
        FakeUpstream.StreamScript script = this == OPENAI_CHAT ? FakeUpstream.sse() : FakeUpstream.ndjson();
        for (String piece : pieces) {
            script = this == OPENAI_CHAT
                    ? script.events("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model
                            + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece
                            + "\"},\"finish_reason\":null}]}")
                    : script.lines("{\"model\":\"" + model + "\",\"message\":{\"role\":\"assistant\",\"content\":\""
                            + piece + "\"},\"done\":false}");
        }
        return this == OPENAI_CHAT
                ? script.events("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model
                                + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}")
                        .done()
                : script.lines("{\"model\":\"" + model + "\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":7,\"eval_count\":3}");
    }

    /** One SSE event as Anthropic writes it: its name, then its data. */
    public static String anthropicEvent(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    /** A {@code text_delta} of block 0. */
    private static String anthropicTextDelta(String text) {
        return anthropicEvent(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
                        + Json.createValue(text) + "}}");
    }

    /**
     * One never-ending piece of a stream, for cancellation tests. An Anthropic piece is a text
     * delta, so {@link #streamStart(String)} must come first.
     */
    public String streamPiece(String model) {
        if (this == ANTHROPIC_MESSAGES) {
            return anthropicTextDelta("tick ");
        }
        return this == OPENAI_CHAT
                ? "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model
                        + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick \"},\"finish_reason\":null}]}\n\n"
                : "{\"model\":\"" + model
                        + "\",\"message\":{\"role\":\"assistant\",\"content\":\"tick \"},\"done\":false}\n";
    }

    /** What a stream sends before its first {@link #streamPiece(String)}: the message's and block's start for Anthropic, else nothing. */
    public String streamStart(String model) {
        if (this != ANTHROPIC_MESSAGES) {
            return "";
        }
        return anthropicEvent(
                        "message_start",
                        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                                + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],"
                                + "\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}")
                + anthropicEvent(
                        "content_block_start",
                        "{\"type\":\"content_block_start\",\"index\":0,"
                                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    }

    /** A model list naming {@code ids}. */
    public String models(String... ids) {
        StringBuilder list = new StringBuilder();
        for (String id : ids) {
            if (!list.isEmpty()) {
                list.append(',');
            }
            list.append(
                    switch (this) {
                        case OPENAI_CHAT -> "{\"id\":\"" + id + "\",\"object\":\"model\",\"owned_by\":\"someone\"}";
                        case OLLAMA -> "{\"name\":\"" + id + "\",\"model\":\"" + id + "\",\"size\":1234}";
                        case ANTHROPIC_MESSAGES ->
                            "{\"type\":\"model\",\"id\":\"" + id + "\",\"display_name\":\"" + id
                                    + "\",\"created_at\":\"2025-02-19T00:00:00Z\"}";
                    });
        }
        return switch (this) {
            case OPENAI_CHAT -> "{\"object\":\"list\",\"data\":[" + list + "]}";
            case OLLAMA -> "{\"models\":[" + list + "]}";
            case ANTHROPIC_MESSAGES ->
                "{\"data\":[" + list + "],\"has_more\":false,\"first_id\":null,\"last_id\":null}";
        };
    }

    /** An error body carrying {@code message} in this format's usual envelope, for a 400. */
    public String error(String message) {
        return error(400, message);
    }

    /**
     * An error body carrying {@code message} in this format's usual envelope, for an answer of
     * {@code status}: Anthropic's names the status's type ({@code authentication_error} for 401,
     * {@code api_error} for statuses without a type of their own, as Anthropic's own 500 says).
     */
    public String error(int status, String message) {
        return switch (this) {
            case OPENAI_CHAT -> "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\"}}";
            case OLLAMA -> "{\"error\":\"" + message + "\"}";
            case ANTHROPIC_MESSAGES ->
                "{\"type\":\"error\",\"error\":{\"type\":\"" + anthropicErrorType(status) + "\",\"message\":\""
                        + message + "\"}}";
        };
    }

    private static String anthropicErrorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> "api_error";
        };
    }
}
