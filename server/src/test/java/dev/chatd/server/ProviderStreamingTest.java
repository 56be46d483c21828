package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code POST /chat} with {@code "stream": true} through each of the five providers, each in
 * front of a fake that speaks that upstream's real streaming format and quirks: a whole
 * answer, a tool call, an error the upstream reports mid-stream, and an upstream that dies.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProviderStreamingTest {
    private static final List<String> PIECES = List.of("Hel", "lo, ", "I am ", "streamed.");
    private static final String TEXT = String.join("", PIECES);

    /** One upstream as chatd meets it: its provider, a model name that routes there, and its wire format. */
    enum Upstream {
        OLLAMA("ollama", "ollama/llama3.2", "llama3.2") {
            @Override
            FakeUpstream.StreamScript answer() {
                FakeUpstream.StreamScript s = FakeUpstream.ndjson();
                PIECES.forEach(p -> s.lines(ollamaLine("\"content\":" + json(p))));
                return s.lines(
                        "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                                + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":5000000,"
                                + "\"prompt_eval_count\":11,\"eval_count\":4}");
            }

            @Override
            FakeUpstream.StreamScript toolCall() {
                // Ollama sends a call whole, arguments as a JSON object, and says "stop" after it.
                return FakeUpstream.ndjson()
                        .lines(
                                ollamaLine("\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"get_weather\","
                                        + "\"arguments\":{\"city\":\"Tokyo\"}}}]"),
                                "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":30,\"eval_count\":12}");
            }

            @Override
            FakeUpstream.StreamScript midStreamError() {
                return FakeUpstream.ndjson()
                        .lines(ollamaLine("\"content\":\"Hel\""), "{\"error\":\"" + UPSTREAM_ERROR + "\"}");
            }

            @Override
            FakeUpstream.StreamScript dies() {
                return FakeUpstream.ndjson()
                        .lines(ollamaLine("\"content\":\"Hel\""), ollamaLine("\"content\":\"lo\""))
                        .cut();
            }
        },
        OLLAMA_CLOUD("ollama_cloud", "gpt-oss:120b-cloud", "gpt-oss:120b") {
            @Override
            FakeUpstream.StreamScript answer() {
                FakeUpstream.StreamScript s = FakeUpstream.ndjson()
                        .lines(
                                ollamaLine("\"content\":\"\",\"thinking\":\"Greet, \""),
                                ollamaLine("\"content\":\"\",\"thinking\":\"then say how.\""));
                PIECES.forEach(p -> s.lines(ollamaLine("\"content\":" + json(p))));
                return s.lines("{\"model\":\"gpt-oss:120b\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":11,\"eval_count\":4}");
            }

            @Override
            String reasoning() {
                return "Greet, then say how.";
            }

            @Override
            FakeUpstream.StreamScript toolCall() {
                // Newer servers add an id and function.index.
                return FakeUpstream.ndjson()
                        .lines(
                                ollamaLine(
                                        "\"content\":\"\",\"tool_calls\":[{\"id\":\"call_k3x\",\"function\":{\"index\":0,"
                                                + "\"name\":\"get_weather\",\"arguments\":{\"city\":\"Tokyo\"}}}]"),
                                "{\"model\":\"gpt-oss:120b\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":30,\"eval_count\":12}");
            }

            @Override
            String toolCallId() {
                return "call_k3x";
            }

            @Override
            FakeUpstream.StreamScript midStreamError() {
                return OLLAMA.midStreamError();
            }

            @Override
            FakeUpstream.StreamScript dies() {
                return OLLAMA.dies();
            }
        },
        OPENROUTER("openrouter", "openrouter/anthropic/claude-3.5-sonnet", "anthropic/claude-3.5-sonnet") {
            @Override
            FakeUpstream.StreamScript answer() {
                // Comment lines may come at any time, even before the first data line; usage and cost
                // arrive beside an empty-delta choice.
                FakeUpstream.StreamScript s = FakeUpstream.sse()
                        .write(": OPENROUTER PROCESSING\n\n")
                        .events(openAiChunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
                PIECES.forEach(p -> s.events(openAiChunk("{\"content\":" + json(p) + "}", null))
                        .write(": OPENROUTER PROCESSING\n\n"));
                return s.events(
                                "{\"id\":\"gen-1\",\"provider\":\"Anthropic\",\"model\":\"anthropic/claude-3.5-sonnet\","
                                        + "\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"choices\":[{\"index\":0,"
                                        + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"stop\","
                                        + "\"native_finish_reason\":\"end_turn\"}],\"usage\":{\"prompt_tokens\":11,"
                                        + "\"completion_tokens\":4,\"total_tokens\":15,\"cost\":0.00042}}")
                        .done();
            }

            @Override
            BigDecimal cost() {
                return new BigDecimal("0.00042");
            }

            @Override
            FakeUpstream.StreamScript midStreamError() {
                // After generation starts, OpenRouter reports errors as a chunk with a top-level error.
                return FakeUpstream.sse()
                        .events(
                                openAiChunk("{\"content\":\"Hel\"}", null),
                                "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                                        + "\"model\":\"anthropic/claude-3.5-sonnet\",\"provider\":\"Anthropic\",\"error\":{\"code\":502,"
                                        + "\"message\":\"" + UPSTREAM_ERROR
                                        + "\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
                                        + "\"finish_reason\":\"error\"}]}");
            }
        },
        OPENCODE("opencode", "opencode/glm-5", "glm-5") {
            @Override
            FakeUpstream.StreamScript answer() {
                // Usage in a choices:[] chunk; after [DONE], Zen appends its cost chunk.
                FakeUpstream.StreamScript s = FakeUpstream.sse();
                PIECES.forEach(p -> s.events(openAiChunk("{\"content\":" + json(p) + "}", null)));
                return s.events(
                                openAiChunk("{}", "stop"),
                                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                                        + "\"model\":\"glm-5\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,"
                                        + "\"completion_tokens\":4,\"total_tokens\":15}}")
                        .done()
                        .events("{\"choices\":[],\"cost\":\"0.00001234\"}");
            }

            @Override
            BigDecimal cost() {
                return new BigDecimal("0.00001234");
            }

            @Override
            FakeUpstream.StreamScript midStreamError() {
                // Zen's Anthropic-style error envelope.
                return FakeUpstream.sse()
                        .events(
                                openAiChunk("{\"content\":\"Hel\"}", null),
                                "{\"type\":\"error\",\"error\":{\"type\":\"APIError\",\"message\":\"" + UPSTREAM_ERROR
                                        + "\"}}");
            }
        },
        KIMI("kimi", "kimi/kimi-for-coding", "kimi-for-coding") {
            @Override
            FakeUpstream.StreamScript answer() {
                // Reasoning as reasoning_content; usage inside choices[0] of the last chunk.
                FakeUpstream.StreamScript s = FakeUpstream.sse()
                        .events(
                                openAiChunk("{\"role\":\"assistant\",\"reasoning_content\":\"Greet, \"}", null),
                                openAiChunk("{\"reasoning_content\":\"then say how.\"}", null));
                PIECES.forEach(p -> s.events(openAiChunk("{\"content\":" + json(p) + "}", null)));
                return s.events("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                                + "\"model\":\"kimi-k2-0905\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\","
                                + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":4,\"total_tokens\":15}}]}")
                        .done();
            }

            @Override
            String reasoning() {
                return "Greet, then say how.";
            }

            @Override
            String toolCallId() {
                return "get_weather:0";
            }

            @Override
            FakeUpstream.StreamScript midStreamError() {
                return FakeUpstream.sse()
                        .events(
                                openAiChunk("{\"content\":\"Hel\"}", null),
                                "{\"error\":{\"message\":\"" + UPSTREAM_ERROR
                                        + "\",\"type\":\"engine_overloaded_error\"}}");
            }
        };

        static final String UPSTREAM_ERROR = "the model crashed while generating (fake)";

        final String provider;
        final String model;
        final String upstreamModel;

        Upstream(String provider, String model, String upstreamModel) {
            this.provider = provider;
            this.model = model;
            this.upstreamModel = upstreamModel;
        }

        boolean ollamaFormat() {
            return provider.startsWith("ollama");
        }

        String path() {
            return ollamaFormat() ? "/api/chat" : "/chat/completions";
        }

        /** The answer {@link #PIECES}, finishing with stop and 11 + 4 tokens. */
        abstract FakeUpstream.StreamScript answer();

        String reasoning() {
            return "";
        }

        BigDecimal cost() {
            return null;
        }

        /** One call of get_weather with {"city":"Tokyo"}; OpenAI format: id and name, then argument fragments. */
        FakeUpstream.StreamScript toolCall() {
            return FakeUpstream.sse()
                    .events(
                            openAiChunk(
                                    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\""
                                            + toolCallId()
                                            + "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
                                    null),
                            openAiChunk(
                                    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}", null),
                            openAiChunk(
                                    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\": \\\"To\"}}]}",
                                    null),
                            openAiChunk(
                                    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"kyo\\\"}\"}}]}", null),
                            openAiChunk("{}", "tool_calls"),
                            "{\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":12,\"total_tokens\":42}}")
                    .done();
        }

        /** The id the upstream gives its tool call; null where it gives none and chatd makes one up. */
        String toolCallId() {
            return ollamaFormat() ? null : "call_9f2";
        }

        /** "Hel", then an error the upstream reports in its own format, carrying {@link #UPSTREAM_ERROR}. */
        abstract FakeUpstream.StreamScript midStreamError();

        /** "Hel", "lo", then the connection drops without a final line. */
        FakeUpstream.StreamScript dies() {
            return FakeUpstream.sse()
                    .events(openAiChunk("{\"content\":\"Hel\"}", null), openAiChunk("{\"content\":\"lo\"}", null))
                    .cut();
        }

        static String ollamaLine(String messageFields) {
            return "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T00:00:00Z\",\"message\":{\"role\":\"assistant\","
                    + messageFields + "},\"done\":false}";
        }

        static String openAiChunk(String delta, String finishReason) {
            return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
                    + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                    + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
        }

        static String json(String text) {
            return JsonCodec.writeString(text);
        }
    }

    private static final Map<Upstream, FakeUpstream> FAKES = new EnumMap<>(Upstream.class);
    private static RunningChatd chatd;

    @BeforeAll
    static void start() {
        Map<String, String> config = new LinkedHashMap<>();
        for (Upstream u : Upstream.values()) {
            FakeUpstream fake = FakeUpstream.start();
            FAKES.put(u, fake);
            config.put(
                    "chatd.providers." + u.provider + ".base-url",
                    fake.baseUrl().toString());
        }
        chatd = RunningChatd.start(config);
    }

    @AfterAll
    static void stop() {
        if (chatd != null) {
            chatd.close();
        }
        FAKES.values().forEach(FakeUpstream::close);
    }

    private static List<SseReader.Event> streamFrom(Upstream upstream, FakeUpstream.StreamScript script)
            throws Exception {
        FakeUpstream fake = FAKES.get(upstream);
        fake.on("POST", upstream.path(), script);
        try (SseReader reply = chatd.stream(RunningChatd.streamRequest(upstream.model))) {
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("content-type")).startsWith("text/event-stream");
            List<SseReader.Event> events = reply.rest();
            assertThat(fake.lastRequest().json())
                    .containsEntry("model", upstream.upstreamModel)
                    .containsEntry("stream", true);
            return events;
        }
    }

    private static String joined(List<SseReader.Event> events, String field) {
        StringBuilder text = new StringBuilder();
        for (SseReader.Event e : events) {
            if (!e.isError() && e.delta().get(field) instanceof String s) {
                text.append(s);
            }
        }
        return text.toString();
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void streamsAnAnswerWhoseDeltasMakeTheWholeText(Upstream upstream) throws Exception {
        List<SseReader.Event> events = streamFrom(upstream, upstream.answer());

        assertThat(events).noneMatch(SseReader.Event::isError);
        assertThat(joined(events, "content")).isEqualTo(TEXT);
        assertThat(joined(events, "reasoning")).isEqualTo(upstream.reasoning());
        assertThat(events.size())
                .as("one event per upstream delta, not one buffered answer")
                .isGreaterThanOrEqualTo(PIECES.size() + 1);
        for (SseReader.Event e : events) {
            assertThat(e.json())
                    .containsEntry("provider", upstream.provider)
                    .containsEntry("model", upstream.model)
                    .containsKey("id");
        }
        assertThat(events.subList(0, events.size() - 1))
                .allSatisfy(e -> assertThat(e.json()).doesNotContainKey("finish_reason"));
        Map<String, Object> last = events.get(events.size() - 1).json();
        assertThat(last).containsEntry("finish_reason", "stop");
        Map<String, Object> usage = new TreeMap<>(Map.of(
                "prompt_tokens",
                new BigDecimal(11),
                "completion_tokens",
                new BigDecimal(4),
                "total_tokens",
                new BigDecimal(15)));
        if (upstream.cost() != null) {
            usage.put("cost", upstream.cost());
        }
        assertThat(last.get("usage")).isEqualTo(usage);
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    @SuppressWarnings("unchecked")
    void streamsAToolCall(Upstream upstream) throws Exception {
        List<SseReader.Event> events = streamFrom(upstream, upstream.toolCall());

        assertThat(events).noneMatch(SseReader.Event::isError);
        // Put the call back together from the deltas, as an agent would.
        Map<Integer, Map<String, String>> calls = new TreeMap<>();
        for (SseReader.Event e : events) {
            for (Object o : (List<Object>) e.delta().getOrDefault("tool_calls", List.of())) {
                Map<String, Object> delta = (Map<String, Object>) o;
                Map<String, String> call = calls.computeIfAbsent(
                        ((BigDecimal) delta.get("index")).intValue(),
                        i -> new LinkedHashMap<>(Map.of("arguments", "")));
                if (delta.get("id") != null) {
                    call.put("id", (String) delta.get("id"));
                }
                Map<String, Object> function = (Map<String, Object>) delta.get("function");
                if (function.get("name") != null) {
                    call.put("name", (String) function.get("name"));
                }
                if (function.get("arguments") != null) {
                    call.merge("arguments", (String) function.get("arguments"), String::concat);
                }
            }
        }
        assertThat(calls).hasSize(1);
        Map<String, String> call = calls.get(0);
        assertThat(call.get("name")).isEqualTo("get_weather");
        if (upstream.toolCallId() != null) {
            assertThat(call.get("id")).isEqualTo(upstream.toolCallId());
        } else {
            assertThat(call.get("id"))
                    .as("an id made up for a call the upstream sent without one")
                    .matches("call_[0-9A-Za-z]{24}");
        }
        assertThat(JsonCodec.parse(call.get("arguments"))).isEqualTo(Map.of("city", "Tokyo"));
        Map<String, Object> last = events.get(events.size() - 1).json();
        assertThat(last).containsEntry("finish_reason", "tool_calls");
        assertThat(((Map<String, Object>) last.get("usage")).get("total_tokens"))
                .isEqualTo(new BigDecimal(42));
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void aMidStreamUpstreamErrorIsAnErrorEventThatEndsTheStream(Upstream upstream) throws Exception {
        List<SseReader.Event> events = streamFrom(upstream, upstream.midStreamError());

        assertThat(joined(events.subList(0, events.size() - 1), "content")).isEqualTo("Hel");
        SseReader.Event last = events.get(events.size() - 1);
        assertThat(last.isError())
                .as("the last event is an error event: %s", events)
                .isTrue();
        assertThat(last.error()).containsEntry("type", "upstream_error");
        assertThat((String) last.error().get("message"))
                .contains(Upstream.UPSTREAM_ERROR)
                .contains(upstream.provider);
        assertThat(events)
                .filteredOn(e -> e.json().containsKey("finish_reason"))
                .isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void anUpstreamThatDiesMidStreamIsAnUpstreamErrorEvent(Upstream upstream) throws Exception {
        List<SseReader.Event> events = streamFrom(upstream, upstream.dies());

        List<SseReader.Event> before = new ArrayList<>(events.subList(0, events.size() - 1));
        assertThat(joined(before, "content")).isEqualTo("Hello");
        SseReader.Event last = events.get(events.size() - 1);
        assertThat(last.isError())
                .as("the last event is an error event: %s", events)
                .isTrue();
        assertThat(last.error()).containsEntry("type", "upstream_error").containsKey("message");
        assertThat(events)
                .filteredOn(e -> e.json().containsKey("finish_reason"))
                .isEmpty();
    }
}
