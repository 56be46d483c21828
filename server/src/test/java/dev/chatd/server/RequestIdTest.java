package dev.chatd.server;

import static dev.chatd.tck.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import java.util.Optional;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code X-Request-Id} on every answer, and the 500 that a bug gets, with the id to find it in the log. */
class RequestIdTest {

    /** A third-party provider with a bug: every call throws. */
    static final class BrokenProviderFactory implements ChatProviderFactory {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public int spiVersion() {
            return SPI_VERSION;
        }

        @Override
        public ProviderDefaults defaults() {
            return ProviderDefaults.keyless("http://127.0.0.1:9");
        }

        @Override
        public Optional<ChatProvider> create(ProviderContext context) {
            return Optional.of(new ChatProvider() {
                @Override
                public String name() {
                    return "broken";
                }

                @Override
                public ChatResponse chat(ChatRequest request) {
                    throw new IllegalStateException("index out of whack in BrokenProvider.parse");
                }

                @Override
                public boolean available() {
                    return true;
                }
            });
        }
    }

    @Test
    void saneRequestIdIsEchoed() {
        try (TestServer server = TestServer.start()) {
            server.fake.on("POST", "/api/chat", json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = server.post("/chat", TestServer.HELLO, "X-Request-Id", "req-42.a:b_c");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("X-Request-Id")).isEqualTo("req-42.a:b_c");
            assertThat(server.get("/health", "X-Request-Id", "probe-1").header("X-Request-Id"))
                    .isEqualTo("probe-1");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "has spaces in it",
                "<script>alert(1)</script>",
                "semi;colon",
                "0123456789012345678901234567890123456789012345678901234567890123456789"
            })
    void insaneRequestIdIsReplaced(String given) {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply reply = server.get("/health", "X-Request-Id", given);

            assertThat(reply.header("X-Request-Id"))
                    .isNotBlank()
                    .isNotEqualTo(given)
                    .matches("[A-Za-z0-9._:-]{1,64}");
        }
    }

    @Test
    void requestIdIsGeneratedWhenMissingAndDiffersPerRequest() {
        try (TestServer server = TestServer.start()) {
            String first = server.get("/health").header("X-Request-Id");
            String second = server.get("/health").header("X-Request-Id");

            assertThat(first).isNotBlank().matches("[A-Za-z0-9._:-]{1,64}");
            assertThat(second).isNotBlank().isNotEqualTo(first);
        }
    }

    @Test
    void errorsCarryTheRequestIdInHeaderAndBody() {
        try (TestServer server = TestServer.start()) {
            TestServer.Reply invalid = server.post("/chat", "{", "X-Request-Id", "bad-json-1");
            assertThat(invalid.status()).isEqualTo(400);
            assertThat(invalid.header("X-Request-Id")).isEqualTo("bad-json-1");
            assertThat(invalid.error().get("request_id")).isEqualTo("bad-json-1");

            server.fake.on("POST", "/api/chat", json(500, "{\"error\":\"boom\"}"));
            TestServer.Reply upstream = server.post("/chat", TestServer.HELLO);
            assertThat(upstream.status()).isEqualTo(502);
            assertThat(upstream.header("X-Request-Id")).isNotBlank();
            assertThat(upstream.error().get("request_id")).isEqualTo(upstream.header("X-Request-Id"));

            TestServer.Reply notFound = server.get("/nope");
            assertThat(notFound.header("X-Request-Id")).isNotBlank();
            assertThat(notFound.error().get("request_id")).isEqualTo(notFound.header("X-Request-Id"));
        }
    }

    @Test
    void providerBugIs500WithTheRequestIdAndNoStackTrace() {
        try (LogCapture log = LogCapture.start();
                TestServer server = TestServer.builder()
                        .factory(new BrokenProviderFactory())
                        .start()) {
            TestServer.Reply reply = server.post("/chat", """
                    {"model":"broken/any","messages":[{"role":"user","content":"Hi"}]}""");

            assertThat(reply.status()).as(reply.toString()).isEqualTo(500);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            assertThat(reply.errorType()).isEqualTo("internal");
            String id = reply.header("X-Request-Id");
            assertThat(id).isNotBlank();
            assertThat(reply.error().get("request_id")).isEqualTo(id);
            assertThat(reply.errorMessage()).contains(id);
            assertThat(reply.body())
                    .doesNotContain("IllegalStateException", "out of whack", "BrokenProvider", "\tat ", ".java");
            assertThat(log.records())
                    .as("the log has the details under the request id")
                    .anySatisfy(r -> {
                        assertThat(r.getLevel()).isEqualTo(Level.SEVERE);
                        assertThat(LogCapture.text(r)).contains(id, "out of whack");
                    });
            assertThat(server.get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void providerBugKeepsTheCallersRequestId() {
        try (TestServer server =
                TestServer.builder().factory(new BrokenProviderFactory()).start()) {
            TestServer.Reply reply = server.post("/chat", """
                    {"model":"broken/any","messages":[{"role":"user","content":"Hi"}]}""", "X-Request-Id", "trace-777");

            assertThat(reply.status()).isEqualTo(500);
            assertThat(reply.header("X-Request-Id")).isEqualTo("trace-777");
            assertThat(reply.error().get("request_id")).isEqualTo("trace-777");
        }
    }
}
