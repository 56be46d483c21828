package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderDiscovery;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drives chatd with the official, unmodified client libraries from npm: {@code openai} (the
 * OpenAI Node SDK, chat completions and Responses), {@code ollama} (ollama-js),
 * {@code @anthropic-ai/sdk} (Anthropic's TypeScript SDK, which Claude Code is built on) and the
 * Vercel AI SDK ({@code ai} with {@code @ai-sdk/openai}, whose default model speaks Responses). This test starts chatd and a fake upstream
 * per provider, each speaking its real wire format, then runs the Node tests in
 * {@code clients/test} against it ({@code npm ci} first when the packages are not installed).
 */
class OfficialClientsIT {
    private static final List<String> PIECES = List.of("Hello", " from", " the fake", " upstream!");
    private static final String TOKEN = "clients-it-token";
    private static final String TOOL_ANSWER = "Sunny in Tokyo.";

    private static FakeUpstream ollama;
    private static FakeUpstream openrouter;
    private static FakeUpstream opencode;
    private static FakeUpstream kimi;
    private static ChatdServer chatd;

    @BeforeAll
    static void start() {
        ollama = FakeUpstream.start()
                .on("POST", "/api/chat", OfficialClientsIT::ollamaChat)
                .on("GET", "/api/version", FakeUpstream.json(200, "{\"version\":\"0.5.1\"}"))
                .on("POST", "/api/show", OfficialClientsIT::ollamaShow)
                .on("GET", "/api/tags", FakeUpstream.json(200, """
                        {"models":[{"name":"llama3.2:latest","model":"llama3.2:latest","modified_at":"2026-11-01T00:00:00Z",
                        "size":2019393189,"digest":"a80c4f17acd5","details":{"format":"gguf","family":"llama"}}]}"""));
        openrouter = openAiFake("{\"data\":[{\"id\":\"openai/gpt-4o\",\"object\":\"model\"}]}");
        opencode = openAiFake(
                "{\"object\":\"list\",\"data\":[{\"id\":\"glm-5\",\"object\":\"model\",\"owned_by\":\"opencode\"}]}");
        kimi = openAiFake("{\"object\":\"list\",\"data\":[{\"id\":\"kimi-for-coding\",\"object\":\"model\"}]}");

        Map<String, String> settings = new HashMap<>(Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "chatd.providers.ollama.base-url", ollama.baseUrl().toString(),
                "chatd.providers.openrouter.base-url", openrouter.baseUrl().toString(),
                "chatd.providers.opencode.base-url", opencode.baseUrl().toString(),
                "chatd.providers.kimi.base-url", kimi.baseUrl().toString(),
                "chatd.providers.ollama_cloud.key-file", ""));
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(settings))
                .build();
        KeyResolver keys = new KeyResolver(Map.of(
                "CHATD_AUTH_TOKEN", TOKEN,
                "OPENROUTER_API_KEY", "sk-or-test",
                "OPENCODE_API_KEY", "oc-test",
                "KIMI_API_KEY", "sk-kimi-test")::get);
        chatd = ChatdServer.start(
                ChatdConfig.from(config, keys),
                ProviderDiscovery.discover(OfficialClientsIT.class.getClassLoader()),
                keys);
    }

    @AfterAll
    static void stop() {
        if (chatd != null) {
            chatd.close();
        }
        for (FakeUpstream fake : new FakeUpstream[] {ollama, openrouter, opencode, kimi}) {
            if (fake != null) {
                fake.close();
            }
        }
    }

    @Test
    void officialOpenAiOllamaAndAnthropicClientsWorkAgainstChatd() throws Exception {
        Path clients = Path.of(System.getProperty("basedir", "."))
                .toAbsolutePath()
                .resolve("../clients")
                .normalize();
        if (!Files.isDirectory(clients.resolve("node_modules/openai"))
                || !Files.isDirectory(clients.resolve("node_modules/ollama"))
                || !Files.isDirectory(clients.resolve("node_modules/@anthropic-ai/sdk"))
                || !Files.isDirectory(clients.resolve("node_modules/ai"))
                || !Files.isDirectory(clients.resolve("node_modules/@ai-sdk/openai"))) {
            run(clients, List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
        }
        String output = run(clients, List.of("node", "--test", "--test-reporter=spec", "test/"), 180);
        assertThat(output).contains("ℹ fail 0").doesNotContain("ℹ pass 0");
    }

    private static String run(Path dir, List<String> command, int seconds) throws Exception {
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("CHATD_URL", "http://127.0.0.1:" + chatd.port());
        builder.environment().put("CHATD_TOKEN", TOKEN);
        builder.environment().put("NO_COLOR", "1");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + seconds + " s:\n" + output);
        }
        System.out.println(output);
        assertThat(process.exitValue())
                .as(String.join(" ", command) + " failed:\n" + output)
                .isZero();
        return output;
    }

    // ---- fake upstreams ----

    /**
     * Ollama before 0.12.10: a request with tools gets a tool call without an id, and the tool
     * result after it (Ollama matches it by {@code tool_name}) gets {@link #TOOL_ANSWER}, or
     * a text saying what arrived instead.
     */
    @SuppressWarnings("unchecked")
    private static void ollamaChat(FakeUpstream.Recorded request, HttpExchange exchange, FakeUpstream self)
            throws IOException {
        Map<String, Object> body = request.json();
        List<Map<String, Object>> messages = (List<Map<String, Object>>) body.get("messages");
        Map<String, Object> last = messages.getLast();
        boolean toolResult = "tool".equals(last.get("role"));
        boolean tools = body.containsKey("tools") && !toolResult;
        List<String> pieces = PIECES;
        if (toolResult) {
            String answer = "get_weather".equals(last.get("tool_name")) && "sunny".equals(last.get("content"))
                    ? TOOL_ANSWER
                    : "unmatched tool result: " + JsonCodec.writeString(last);
            pieces = List.of(answer);
        }
        String toolCall =
                "\"tool_calls\":[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Tokyo\"}}}]";
        if (Boolean.FALSE.equals(body.get("stream"))) {
            String message = tools
                    ? "{\"role\":\"assistant\",\"content\":\"\"," + toolCall + "}"
                    : "{\"role\":\"assistant\",\"content\":" + JsonCodec.writeString(String.join("", pieces)) + "}";
            FakeUpstream.send(
                    exchange,
                    200,
                    "application/json",
                    "{\"model\":\"" + body.get("model")
                            + "\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":" + message
                            + ",\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":7,\"eval_count\":6}");
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            if (tools) {
                line(
                        out,
                        "{\"model\":\"" + body.get("model")
                                + "\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\","
                                + toolCall + "},\"done\":false}\n");
                pieces = List.of();
            }
            for (String piece : pieces) {
                line(
                        out,
                        "{\"model\":\"" + body.get("model")
                                + "\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":"
                                + JsonCodec.writeString(piece) + "},\"done\":false}\n");
            }
            line(
                    out,
                    "{\"model\":\"" + body.get("model")
                            + "\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                            + "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1000,\"prompt_eval_count\":7,\"eval_count\":6}\n");
        }
    }

    /** Ollama's {@code /api/show}: llama3.2 as Ollama describes it, and its 404 for any other model. */
    private static void ollamaShow(FakeUpstream.Recorded request, HttpExchange exchange, FakeUpstream self)
            throws IOException {
        Object model = request.json().get("model");
        if (!"llama3.2".equals(model)) {
            FakeUpstream.send(exchange, 404, "application/json", "{\"error\":\"model '" + model + "' not found\"}");
            return;
        }
        FakeUpstream.send(exchange, 200, "application/json", """
                {"details":{"format":"gguf","family":"llama","families":["llama"],"parameter_size":"3.2B",\
                "quantization_level":"Q4_K_M"},"model_info":{"general.architecture":"llama",\
                "llama.context_length":131072},"capabilities":["completion","tools"]}""");
    }

    /**
     * An OpenAI-format upstream: chat completions (streamed or not, tool calls and the answer to
     * their result, 429, 529 and 400 by model name) and a model list.
     */
    @SuppressWarnings("unchecked")
    private static FakeUpstream openAiFake(String models) {
        return FakeUpstream.start()
                .on("GET", "/models", FakeUpstream.json(200, models))
                .on("POST", "/chat/completions", (request, exchange, self) -> {
                    Map<String, Object> body = request.json();
                    String model = String.valueOf(body.get("model"));
                    if (model.equals("rate-limited")) {
                        exchange.getResponseHeaders().set("Retry-After", "3");
                        FakeUpstream.send(
                                exchange,
                                429,
                                "application/json",
                                "{\"error\":{\"message\":\"Rate limit reached, slow down\",\"type\":\"rate_limit_exceeded\"}}");
                        return;
                    }
                    if (model.equals("overloaded")) {
                        FakeUpstream.send(
                                exchange,
                                529,
                                "application/json",
                                "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}");
                        return;
                    }
                    if (model.equals("too-long")) {
                        FakeUpstream.send(
                                exchange,
                                400,
                                "application/json",
                                "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\",\"type\":\"invalid_request_error\"}}");
                        return;
                    }
                    boolean tools = body.containsKey("tools");
                    // A tool result with the tools still offered (as agents and the Vercel AI SDK send
                    // it) gets TOOL_ANSWER when it answers call_1 with 'sunny', else says what arrived.
                    List<Map<String, Object>> messages = (List<Map<String, Object>>) body.get("messages");
                    Map<String, Object> last = messages.getLast();
                    List<String> pieces = PIECES;
                    if (tools && "tool".equals(last.get("role"))) {
                        tools = false;
                        pieces = List.of(
                                "call_1".equals(last.get("tool_call_id")) && "sunny".equals(last.get("content"))
                                        ? TOOL_ANSWER
                                        : "unmatched tool result: " + JsonCodec.writeString(last));
                    }
                    if (!Boolean.TRUE.equals(body.get("stream"))) {
                        String message = tools
                                ? "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Tokyo\\\"}\"}}]}"
                                : "{\"role\":\"assistant\",\"content\":"
                                        + JsonCodec.writeString(String.join("", pieces)) + "}";
                        FakeUpstream.send(
                                exchange,
                                200,
                                "application/json",
                                "{\"id\":\"gen-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\""
                                        + model + "\",\"choices\":[{\"index\":0,\"message\":" + message
                                        + ",\"finish_reason\":\""
                                        + (tools ? "tool_calls" : "stop")
                                        + "\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6,\"total_tokens\":15}}");
                        return;
                    }
                    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                    exchange.sendResponseHeaders(200, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        line(out, ": OPENROUTER PROCESSING\n\n");
                        String head =
                                "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\""
                                        + model + "\",\"choices\":[{\"index\":0,\"delta\":";
                        if (tools) {
                            line(
                                    out,
                                    "data: " + head
                                            + "{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n");
                            line(
                                    out,
                                    "data: " + head
                                            + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}]}\n\n");
                            line(
                                    out,
                                    "data: " + head
                                            + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Tokyo\\\"}\"}}]},\"finish_reason\":null}]}\n\n");
                            line(out, "data: " + head + "{},\"finish_reason\":\"tool_calls\"}]}\n\n");
                        } else {
                            for (String piece : pieces) {
                                line(
                                        out,
                                        "data: " + head + "{\"content\":" + JsonCodec.writeString(piece)
                                                + "},\"finish_reason\":null}]}\n\n");
                            }
                            line(out, "data: " + head + "{},\"finish_reason\":\"stop\"}]}\n\n");
                        }
                        line(
                                out,
                                "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\""
                                        + model
                                        + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6,\"total_tokens\":15}}\n\n");
                        line(out, "data: [DONE]\n\n");
                    }
                });
    }

    private static void line(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
