package dev.chatd.server;

import com.sun.net.httpserver.HttpExchange;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Two fake upstreams that hold a tool-calling conversation, each in its real wire format: an
 * Ollama {@code /api/chat} (NDJSON when {@code stream} is absent or true) that, like every
 * Ollama before 0.12.10, sends its tool calls <em>without</em> an id, and an OpenAI chat
 * completions endpoint (SSE when {@code stream} is true) that issues {@link #ISSUED_ID}.
 *
 * <p>Both answer by the conversation: its last message a tool result: {@link #FINAL}; tools
 * offered: a call of {@code get_weather} for Tokyo; else their {@link Upstream#greeting()}.
 * The OpenAI fake refuses a tool result that answers no call of the conversation with the 400
 * OpenAI sends; what each one received is recorded for the test to check.
 */
final class ToolCallingUpstreams {
    /** The id the OpenAI-format fake gives its tool call. */
    static final String ISSUED_ID = "call_weather_1";
    /** The answer once the tool result came back. */
    static final String FINAL = "It is sunny in Tokyo, 21 °C.";

    private static final String CREATED_AT = "2026-11-24T00:00:00Z";

    /** Which fake, the model chatd routes to it, and what that fake sends. */
    enum Upstream {
        OLLAMA_WITHOUT_IDS("ollama/llama3.2", "llama3.2", List.of("Hello", " from", " Ollama", "!"), 26, 5),
        OPENAI_FORMAT("openrouter/openai/gpt-4o", "openai/gpt-4o", List.of("Hello", " from", " OpenAI", "!"), 9, 6);

        /** The model name a client sends to chatd. */
        final String model;
        /** The model name the fake receives from chatd. */
        final String upstreamModel;
        /** The greeting, in the pieces it is streamed in. */
        final List<String> pieces;

        final int inputTokens;
        final int outputTokens;

        Upstream(String model, String upstreamModel, List<String> pieces, int inputTokens, int outputTokens) {
            this.model = model;
            this.upstreamModel = upstreamModel;
            this.pieces = pieces;
            this.inputTokens = inputTokens;
            this.outputTokens = outputTokens;
        }

        String greeting() {
            return String.join("", pieces);
        }
    }

    private ToolCallingUpstreams() {}

    /** Ollama's {@code /api/chat} as Ollama before 0.12.10 answers it: tool calls without ids. */
    static FakeUpstream ollamaWithoutIds() {
        Upstream me = Upstream.OLLAMA_WITHOUT_IDS;
        return FakeUpstream.start()
                .on("GET", "/api/version", FakeUpstream.json(200, "{\"version\":\"0.12.3\"}"))
                .on("POST", "/api/chat", (request, exchange, self) -> {
                    Map<String, Object> body = request.json();
                    // Ollama streams unless told not to.
                    boolean stream = !Boolean.FALSE.equals(body.get("stream"));
                    List<String> messages;
                    if (lastRole(body).equals("tool")) {
                        messages = List.of(ollamaText(FINAL));
                    } else if (body.get("tools") instanceof List<?> tools && !tools.isEmpty()) {
                        messages = List.of("""
                                {"role":"assistant","content":"","tool_calls":[{"function":\
                                {"name":"get_weather","arguments":{"city":"Tokyo"}}}]}""");
                    } else {
                        messages = me.pieces.stream()
                                .map(ToolCallingUpstreams::ollamaText)
                                .toList();
                    }
                    String model = JsonCodec.writeString(body.get("model"));
                    String last = """
                            {"model":%s,"created_at":"%s","message":%s,"done":true,"done_reason":"stop",\
                            "total_duration":1200000,"load_duration":1000,"prompt_eval_count":%d,\
                            "prompt_eval_duration":1000,"eval_count":%d,"eval_duration":1000}""";
                    if (!stream) {
                        FakeUpstream.send(
                                exchange,
                                200,
                                "application/json; charset=utf-8",
                                last.formatted(
                                        model,
                                        CREATED_AT,
                                        messages.size() == 1 ? messages.get(0) : ollamaText(me.greeting()),
                                        me.inputTokens,
                                        me.outputTokens));
                        return;
                    }
                    streamBody(exchange, "application/x-ndjson", out -> {
                        for (String message : messages) {
                            write(
                                    out,
                                    "{\"model\":%s,\"created_at\":\"%s\",\"message\":%s,\"done\":false}\n"
                                            .formatted(model, CREATED_AT, message));
                        }
                        write(
                                out,
                                last.formatted(model, CREATED_AT, ollamaText(""), me.inputTokens, me.outputTokens)
                                        + "\n");
                    });
                });
    }

    /** An OpenAI chat completions endpoint ({@code /chat/completions} under its base URL). */
    static FakeUpstream openAiFormat() {
        Upstream me = Upstream.OPENAI_FORMAT;
        return FakeUpstream.start()
                .on(
                        "GET",
                        "/models",
                        FakeUpstream.json(200, "{\"data\":[{\"id\":\"openai/gpt-4o\",\"object\":\"model\"}]}"))
                .on("POST", "/chat/completions", (request, exchange, self) -> {
                    Map<String, Object> body = request.json();
                    String unanswered = toolResultAnsweringNoCall(body);
                    if (unanswered != null) {
                        // What OpenAI answers to a tool result whose tool_call_id no earlier call has.
                        FakeUpstream.send(exchange, 400, "application/json", """
                                {"error":{"message":"Invalid parameter: messages with role 'tool' must be a response \
                                to a preceeding message with 'tool_calls'.","type":"invalid_request_error",\
                                "param":"%s","code":null}}""".formatted(unanswered));
                        return;
                    }
                    boolean tools = body.get("tools") instanceof List<?> list && !list.isEmpty();
                    boolean toolCall = tools && !lastRole(body).equals("tool");
                    String text = lastRole(body).equals("tool") ? FINAL : me.greeting();
                    String model = JsonCodec.writeString(body.get("model"));
                    String usage = "{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}"
                            .formatted(me.inputTokens, me.outputTokens, me.inputTokens + me.outputTokens);
                    if (!Boolean.TRUE.equals(body.get("stream"))) {
                        String message = toolCall
                                ? """
                                  {"role":"assistant","content":null,"tool_calls":[{"id":"%s","type":"function",\
                                  "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]}""".formatted(ISSUED_ID)
                                : "{\"role\":\"assistant\",\"content\":" + JsonCodec.writeString(text) + "}";
                        FakeUpstream.send(exchange, 200, "application/json", """
                                {"id":"gen-1","object":"chat.completion","created":1700000000,"model":%s,\
                                "choices":[{"index":0,"message":%s,"finish_reason":"%s"}],"usage":%s}""".formatted(
                                        model, message, toolCall ? "tool_calls" : "stop", usage));
                        return;
                    }
                    boolean includeUsage = body.get("stream_options") instanceof Map<?, ?> options
                            && Boolean.TRUE.equals(options.get("include_usage"));
                    String chunk =
                            "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                                    + "\"model\":" + model
                                    + ",\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":%s}]}\n\n";
                    streamBody(exchange, "text/event-stream", out -> {
                        write(out, ": OPENROUTER PROCESSING\n\n");
                        if (toolCall) {
                            write(out, chunk.formatted("""
                                            {"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"%s",\
                                            "type":"function","function":{"name":"get_weather","arguments":""}}]}""".formatted(ISSUED_ID), "null"));
                            for (String piece : List.of("{\\\"city\\\":", "\\\"Tokyo\\\"}")) {
                                write(
                                        out,
                                        chunk.formatted(
                                                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + piece
                                                        + "\"}}]}",
                                                "null"));
                            }
                            write(out, chunk.formatted("{}", "\"tool_calls\""));
                        } else {
                            List<String> pieces = text.equals(FINAL) ? List.of(FINAL) : me.pieces;
                            write(out, chunk.formatted("{\"role\":\"assistant\",\"content\":\"\"}", "null"));
                            for (String piece : pieces) {
                                write(
                                        out,
                                        chunk.formatted("{\"content\":" + JsonCodec.writeString(piece) + "}", "null"));
                            }
                            write(out, chunk.formatted("{}", "\"stop\""));
                        }
                        if (includeUsage) {
                            write(
                                    out,
                                    "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                                            + "\"model\":" + model + ",\"choices\":[],\"usage\":" + usage + "}\n\n");
                        }
                        write(out, "data: [DONE]\n\n");
                    });
                });
    }

    /** The last request {@code fake} got on {@code path}: the one a test's last call led to. */
    static Map<String, Object> lastBody(FakeUpstream fake, String path) {
        List<FakeUpstream.Recorded> requests =
                fake.requests().stream().filter(r -> r.path().equals(path)).toList();
        if (requests.isEmpty()) {
            throw new AssertionError("the fake got no request on " + path);
        }
        return requests.get(requests.size() - 1).json();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> messages(Map<String, Object> body) {
        return (List<Map<String, Object>>) body.get("messages");
    }

    private static String lastRole(Map<String, Object> body) {
        List<Map<String, Object>> messages = messages(body);
        return messages == null || messages.isEmpty()
                ? ""
                : String.valueOf(messages.get(messages.size() - 1).get("role"));
    }

    /**
     * The {@code param} OpenAI names for the first {@code role: "tool"} message whose
     * {@code tool_call_id} no earlier assistant message's {@code tool_calls} has, or null.
     */
    @SuppressWarnings("unchecked")
    private static String toolResultAnsweringNoCall(Map<String, Object> body) {
        List<Map<String, Object>> messages = messages(body);
        Set<Object> calls = new HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            Map<String, Object> message = messages.get(i);
            if (message.get("tool_calls") instanceof List<?> toolCalls) {
                for (Object call : toolCalls) {
                    calls.add(((Map<String, Object>) call).get("id"));
                }
            }
            if ("tool".equals(message.get("role")) && !calls.contains(message.get("tool_call_id"))) {
                return "messages.[" + i + "].role";
            }
        }
        return null;
    }

    private static String ollamaText(String content) {
        return "{\"role\":\"assistant\",\"content\":" + JsonCodec.writeString(content) + "}";
    }

    @FunctionalInterface
    private interface BodyWriter {
        void write(OutputStream out) throws IOException;
    }

    private static void streamBody(HttpExchange exchange, String contentType, BodyWriter body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            body.write(out);
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
