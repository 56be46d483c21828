package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.Usage;
import dev.chatd.kit.json.JsonCodec;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code chatd.log.format: json}: the access line is one JSON object with a time and the very
 * fields of the logfmt line, and no client-supplied text can break it into two lines or forge a
 * field.
 */
class JsonAccessLogTest {
    private static final String HOSTILE = "ollama/x\"}\n{\"forged\":true,\"a\":\"\\\u2028\u0000";

    @SuppressWarnings("unchecked")
    static Map<String, Object> jsonLine(LogCapture log, String id) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<String> lines = log.records().stream()
                    .map(LogRecord::getMessage)
                    .filter(m -> m != null && m.startsWith("{") && m.contains("\"id\":\"" + id + "\""))
                    .toList();
            if (!lines.isEmpty()) {
                assertThat(lines).hasSize(1);
                String line = lines.get(0);
                assertThat(line).doesNotContain("\n", "\r");
                return (Map<String, Object>) JsonCodec.parse(line);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no JSON access line for " + id);
    }

    @Test
    void aHostileModelNameCannotBreakTheJsonLine() throws Exception {
        try (TestServer server =
                        TestServer.builder().config("chatd.log.format", "json").start();
                LogCapture log = LogCapture.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));
            String body = "{\"model\":" + JsonCodec.writeString(HOSTILE)
                    + ",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
            server.post(
                    "/api/chat",
                    body,
                    "X-Request-Id",
                    "json-1",
                    "traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            server.post("/chat", TestServer.HELLO, "X-Request-Id", "json-2");

            Map<String, Object> hostile = jsonLine(log, "json-1");
            assertThat(hostile).containsEntry("model", HOSTILE).doesNotContainKey("forged");
            assertThat(hostile).containsEntry("log", "access").containsEntry("method", "POST");
            assertThat(hostile).containsEntry("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
            assertThat(Instant.parse((String) hostile.get("time"))).isBeforeOrEqualTo(Instant.now());

            Map<String, Object> ok = jsonLine(log, "json-2");
            assertThat(ok)
                    .containsEntry("path", "/chat")
                    .containsEntry("provider", "ollama")
                    .containsEntry("status", new BigDecimal(200))
                    .containsEntry("outcome", "stop")
                    .containsKeys("latency_ms", "prompt_tokens", "completion_tokens");
            assertThat(AccessLogTest.accessLines(log))
                    .as("no logfmt line besides")
                    .isEmpty();
        }
    }

    @Test
    void theJsonLineHoldsExactlyTheLogfmtLinesFields() {
        AccessLog.Entry entry = new AccessLog.Entry().model(HOSTILE);
        entry.client("alice");
        entry.provider("ollama");
        entry.reply("stop", new Usage(11, 4, 15, new BigDecimal("0.00042"), 2, 1));
        Map<String, Object> fields = AccessLog.fields("id-1", "POST", "/v1/chat/completions", 200, entry, 12);

        String text = AccessLog.text(fields);
        assertThat(text)
                .isEqualTo("access id=id-1 method=POST path=/v1/chat/completions client=alice model="
                        + AccessLog.quoted(HOSTILE)
                        + " provider=ollama status=200 outcome=stop prompt_tokens=11 completion_tokens=4"
                        + " cached_tokens=2 reasoning_tokens=1 cost=0.00042 latency_ms=12");

        @SuppressWarnings("unchecked")
        Map<String, Object> json =
                (Map<String, Object>) JsonCodec.parse(AccessLog.json(Instant.parse("2026-01-02T03:04:05Z"), fields));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("time", "2026-01-02T03:04:05Z");
        expected.put("log", "access");
        fields.forEach((k, v) -> expected.put(k, v instanceof String ? v : new BigDecimal(v.toString())));
        assertThat(json).containsExactlyEntriesOf(expected);
    }

    @Test
    void theConsoleWritesAJsonAccessLineBare() {
        LogRecord record = new LogRecord(Level.INFO, "{\"time\":\"t\",\"log\":\"access\"}");
        record.setLoggerName(AccessLog.class.getName());
        assertThat(AsyncConsoleHandler.format(record)).isEqualTo("{\"time\":\"t\",\"log\":\"access\"}\n");

        LogRecord text = new LogRecord(Level.INFO, "access id=1");
        text.setLoggerName(AccessLog.class.getName());
        assertThat(AsyncConsoleHandler.format(text)).contains(" INFO ").endsWith(": access id=1\n");
    }
}
