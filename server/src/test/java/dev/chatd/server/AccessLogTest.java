package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * One access-log line per request, whatever happened, with what an operator looks for; and no
 * client-supplied value can break a line in two or forge a field.
 */
class AccessLogTest {
    private static final String DONE = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}";

    @Test
    void everyRequestHasExactlyOneLine() throws Exception {
        try (TestServer server = TestServer.start();
                LogCapture log = LogCapture.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            server.post("/chat", TestServer.HELLO, "X-Request-Id", "ok-1");
            server.post("/v1/chat/completions", """
                    {"model":"ollama_cloud/x","messages":[{"role":"user","content":"Hi"}]}""", "X-Request-Id", "missing-1");
            server.post("/api/chat", "{not json", "X-Request-Id", "bad-1");
            server.get("/nowhere", "X-Request-Id", "route-1");
            server.get("/health", "X-Request-Id", "health-1");
            server.fake.on(
                    "POST",
                    "/api/chat",
                    FakeUpstream.ndjson()
                            .lines(
                                    "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}",
                                    DONE));
            server.post("/api/chat", """
                    {"model":"ollama/llama3.2","messages":[{"role":"user","content":"Hi"}]}""", "X-Request-Id", "stream-1");

            assertThat(line(log, "ok-1"))
                    .contains(
                            "method=POST",
                            "path=/chat",
                            "model=ollama/llama3.2",
                            "provider=ollama",
                            "status=200",
                            "outcome=stop",
                            "prompt_tokens=26",
                            "completion_tokens=298",
                            "latency_ms=");
            assertThat(line(log, "missing-1"))
                    .contains(
                            "path=/v1/chat/completions",
                            "model=ollama_cloud/x",
                            "status=404",
                            "outcome=provider_not_found",
                            "error=\"");
            assertThat(line(log, "bad-1")).contains("path=/api/chat", "status=400", "outcome=invalid_request");
            assertThat(line(log, "route-1")).contains("method=GET", "path=/nowhere", "status=404", "outcome=not_found");
            assertThat(line(log, "health-1")).contains("path=/health", "status=200");
            assertThat(line(log, "stream-1"))
                    .contains(
                            "path=/api/chat",
                            "status=200",
                            "outcome=stop",
                            "chunks=2",
                            "prompt_tokens=5",
                            "completion_tokens=3");
        }
    }

    @Test
    void aRefusedTokenHasItsLineToo() throws Exception {
        try (TestServer server = TestServer.builder()
                        .env("CHATD_AUTH_TOKEN", "sekrit-token-1234")
                        .start();
                LogCapture log = LogCapture.start()) {
            server.post("/chat", TestServer.HELLO, "X-Request-Id", "noauth-1");

            assertThat(line(log, "noauth-1"))
                    .contains("status=401", "outcome=unauthorized")
                    .doesNotContain("sekrit");
        }
    }

    @Test
    void aModelNameWithALineBreakCannotForgeALine() throws Exception {
        try (TestServer server = TestServer.start();
                LogCapture log = LogCapture.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            server.post("/chat", """
                    {"model":"ollama/x\\r\\n2026-01-01T00:00:00.000 INFO dev.chatd.server.AccessLog: access id=forged status=200\\u2028 provider=evil",\
                    "messages":[{"role":"user","content":"Hi"}]}""", "X-Request-Id", "crlf-1");

            String line = line(log, "crlf-1");
            assertThat(line)
                    .doesNotContain("\r", "\n", "\u2028")
                    .contains(
                            "model=\"ollama/x\\r\\n2026-01-01T00:00:00.000 INFO dev.chatd.server.AccessLog: access id=forged"
                                    + " status=200\\u2028 provider=evil\"",
                            "provider=ollama");
            assertThat(accessLines(log)).filteredOn(l -> l.contains("forged")).hasSize(1);
            LogRecord record = log.records().stream()
                    .filter(r -> String.valueOf(r.getMessage()).contains("crlf-1"))
                    .findFirst()
                    .orElseThrow();
            assertThat(AsyncConsoleHandler.format(record))
                    .as("as the console writes it")
                    .hasLineCount(1);
        }
    }

    @Test
    void valuesThatCouldBreakALineAreQuotedAndEscaped() {
        assertThat(AccessLog.quoted("ollama/llama3.2:8b")).isEqualTo("ollama/llama3.2:8b");
        assertThat(AccessLog.quoted("two words")).isEqualTo("\"two words\"");
        assertThat(AccessLog.quoted("a=b")).isEqualTo("\"a=b\"");
        assertThat(AccessLog.quoted("")).isEqualTo("\"\"");
        assertThat(AccessLog.quoted("say \"hi\" \\o/")).isEqualTo("\"say \\\"hi\\\" \\\\o/\"");
        assertThat(AccessLog.quoted("a\rb\nc\td\u0000e\u001bf\u0085g\u2028h\u2029"))
                .isEqualTo("\"a\\rb\\nc\\td\\u0000e\\u001bf\\u0085g\\u2028h\\u2029\"");
        assertThat(AccessLog.quoted("ünï")).isEqualTo("\"ünï\"");
    }

    static List<String> accessLines(LogCapture log) {
        return log.records().stream()
                .map(LogRecord::getMessage)
                .filter(m -> m != null && m.startsWith("access "))
                .toList();
    }

    /** The one access line of the request with {@code id}, waiting briefly for it (it is written as the request ends). */
    static String line(LogCapture log, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> lines;
        do {
            lines = accessLines(log).stream()
                    .filter(l -> l.startsWith("access id=" + id + " "))
                    .toList();
            if (!lines.isEmpty()) {
                Thread.sleep(100); // a second line, if there were one, would follow at once
                lines = accessLines(log).stream()
                        .filter(l -> l.startsWith("access id=" + id + " "))
                        .toList();
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertThat(lines).as("access lines of request " + id).hasSize(1);
        return lines.get(0);
    }
}
