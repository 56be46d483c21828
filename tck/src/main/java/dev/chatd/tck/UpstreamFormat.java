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
    ANTHROPIC_MESSAGES("/messages", "/models"),
    /**
     * OpenAI Responses: {@code /responses} with a Bearer key, SSE streams of typed events
     * ({@code response.created} … {@code response.completed}), OpenAI's error envelope and
     * OpenAI's {@code /models}.
     *
     * @since 0.3
     */
    OPENAI_RESPONSES("/responses", "/models");

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
            case OPENAI_RESPONSES -> responsesReply(model, messageJson, finishReason, prompt, completion);
        };
    }

    /**
     * A Responses {@code response} saying what the OpenAI-shaped {@code messageJson} says: its
     * text as a {@code message} item with one {@code output_text} part, each tool call as a
     * {@code function_call} item (arguments given as a JSON object are written as JSON text, as
     * the format has them); a {@code length} finish as {@code status: incomplete}.
     */
    private static String responsesReply(
            String model, String messageJson, String finishReason, int prompt, int completion) {
        JsonObject message = Json.createReader(new StringReader(messageJson)).readObject();
        JsonArrayBuilder output = Json.createArrayBuilder();
        if (message.get("content") instanceof JsonString text
                && !text.getString().isEmpty()) {
            output.add(Json.createObjectBuilder()
                    .add("type", "message")
                    .add("id", "msg_01")
                    .add("status", "completed")
                    .add("role", "assistant")
                    .add(
                            "content",
                            Json.createArrayBuilder()
                                    .add(Json.createObjectBuilder()
                                            .add("type", "output_text")
                                            .add("text", text.getString())
                                            .add("annotations", Json.createArrayBuilder()))));
        }
        if (message.get("tool_calls") instanceof jakarta.json.JsonArray calls) {
            int n = 0;
            for (JsonValue call : calls) {
                JsonObject function = call.asJsonObject().getJsonObject("function");
                JsonValue arguments = function.get("arguments");
                output.add(Json.createObjectBuilder()
                        .add("type", "function_call")
                        .add("id", "fc_0" + n++)
                        .add("call_id", call.asJsonObject().getString("id", "call_01"))
                        .add("name", function.getString("name"))
                        .add(
                                "arguments",
                                arguments instanceof JsonString json ? json.getString() : arguments.toString())
                        .add("status", "completed"));
            }
        }
        boolean truncated = "length".equals(finishReason);
        JsonObjectBuilder response = Json.createObjectBuilder()
                .add("id", "resp_01")
                .add("object", "response")
                .add("created_at", 1700000000)
                .add("status", truncated ? "incomplete" : "completed")
                .add("model", model)
                .add("output", output)
                .add(
                        "usage",
                        Json.createObjectBuilder()
                                .add("input_tokens", prompt)
                                .add("output_tokens", completion)
                                .add("total_tokens", prompt + completion));
        if (truncated) {
            response.add("incomplete_details", Json.createObjectBuilder().add("reason", "max_output_tokens"));
        } else {
            response.addNull("incomplete_details");
        }
        return response.build().toString();
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
        if (this == OPENAI_RESPONSES) {
            FakeUpstream.StreamScript script = FakeUpstream.sse().write(streamStart(model));
            StringBuilder text = new StringBuilder();
            for (String piece : pieces) {
                script = script.write(responsesTextDelta(piece));
                text.append(piece);
            }
            String done = Json.createValue(text.toString()).toString();
            String item = "{\"type\":\"message\",\"id\":\"msg_01\",\"status\":\"completed\",\"role\":\"assistant\","
                    + "\"content\":[{\"type\":\"output_text\",\"text\":" + done + ",\"annotations\":[]}]}";
            return script.write(responsesEvent(
                            "response.output_text.done",
                            "{\"type\":\"response.output_text.done\",\"item_id\":\"msg_01\",\"output_index\":0,"
                                    + "\"content_index\":0,\"text\":" + done + "}"))
                    .write(responsesEvent(
                            "response.content_part.done",
                            "{\"type\":\"response.content_part.done\",\"item_id\":\"msg_01\",\"output_index\":0,"
                                    + "\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":" + done
                                    + ",\"annotations\":[]}}"))
                    .write(responsesEvent(
                            "response.output_item.done",
                            "{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":" + item + "}"))
                    .write(responsesEvent(
                            "response.completed",
                            "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_01\",\"object\":\"response\","
                                    + "\"created_at\":1700000000,\"status\":\"completed\",\"model\":\"" + model
                                    + "\",\"output\":[" + item + "],"
                                    + "\"usage\":{\"input_tokens\":7,\"output_tokens\":3,\"total_tokens\":10}}}"));
        }
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
     * One SSE event as the Responses API writes it: its type as the event name, then its data,
     * which gets a {@code sequence_number} (0 here; readers must not depend on it).
     */
    public static String responsesEvent(String type, String data) {
        String numbered = data.endsWith("}") ? data.substring(0, data.length() - 1) + ",\"sequence_number\":0}" : data;
        return "event: " + type + "\ndata: " + numbered + "\n\n";
    }

    /** A {@code response.output_text.delta} of the message item at output 0. */
    private static String responsesTextDelta(String text) {
        return responsesEvent(
                "response.output_text.delta",
                "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_01\",\"output_index\":0,"
                        + "\"content_index\":0,\"delta\":" + Json.createValue(text) + "}");
    }

    /**
     * One never-ending piece of a stream, for cancellation tests. An Anthropic piece is a text
     * delta, so {@link #streamStart(String)} must come first.
     */
    public String streamPiece(String model) {
        if (this == OPENAI_RESPONSES) {
            return responsesTextDelta("tick ");
        }
        if (this == ANTHROPIC_MESSAGES) {
            return anthropicTextDelta("tick ");
        }
        return this == OPENAI_CHAT
                ? "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model
                        + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick \"},\"finish_reason\":null}]}\n\n"
                : "{\"model\":\"" + model
                        + "\",\"message\":{\"role\":\"assistant\",\"content\":\"tick \"},\"done\":false}\n";
    }

    /**
     * What a stream sends before its first {@link #streamPiece(String)}: the message's and
     * block's start for Anthropic; for Responses the response's creation and a message item with
     * an empty text part; else nothing.
     */
    public String streamStart(String model) {
        if (this == OPENAI_RESPONSES) {
            String response = "{\"id\":\"resp_01\",\"object\":\"response\",\"created_at\":1700000000,"
                    + "\"status\":\"in_progress\",\"model\":\"" + model + "\",\"output\":[],\"usage\":null}";
            return responsesEvent("response.created", "{\"type\":\"response.created\",\"response\":" + response + "}")
                    + responsesEvent(
                            "response.in_progress", "{\"type\":\"response.in_progress\",\"response\":" + response + "}")
                    + responsesEvent(
                            "response.output_item.added",
                            "{\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"message\","
                                    + "\"id\":\"msg_01\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}}")
                    + responsesEvent(
                            "response.content_part.added",
                            "{\"type\":\"response.content_part.added\",\"item_id\":\"msg_01\",\"output_index\":0,"
                                    + "\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\","
                                    + "\"annotations\":[]}}");
        }
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
                        case OPENAI_CHAT, OPENAI_RESPONSES ->
                            "{\"id\":\"" + id + "\",\"object\":\"model\",\"owned_by\":\"someone\"}";
                        case OLLAMA -> "{\"name\":\"" + id + "\",\"model\":\"" + id + "\",\"size\":1234}";
                        case ANTHROPIC_MESSAGES ->
                            "{\"type\":\"model\",\"id\":\"" + id + "\",\"display_name\":\"" + id
                                    + "\",\"created_at\":\"2025-02-19T00:00:00Z\"}";
                    });
        }
        return switch (this) {
            case OPENAI_CHAT, OPENAI_RESPONSES -> "{\"object\":\"list\",\"data\":[" + list + "]}";
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
            case OPENAI_RESPONSES ->
                "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + openAiErrorType(status)
                        + "\",\"param\":null,\"code\":null}}";
            case OLLAMA -> "{\"error\":\"" + message + "\"}";
            case ANTHROPIC_MESSAGES ->
                "{\"type\":\"error\",\"error\":{\"type\":\"" + anthropicErrorType(status) + "\",\"message\":\""
                        + message + "\"}}";
        };
    }

    /** The {@code type} OpenAI's envelope names for {@code status}. */
    private static String openAiErrorType(int status) {
        return switch (status) {
            case 401 -> "invalid_authentication";
            case 403 -> "permission_denied";
            case 404 -> "not_found";
            case 429 -> "rate_limit_exceeded";
            case 400, 413 -> "invalid_request_error";
            default -> "server_error";
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
