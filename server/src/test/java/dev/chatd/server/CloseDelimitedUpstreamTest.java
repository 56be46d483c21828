package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.RawUpstream;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Upstreams whose reply ends when they close the connection (HTTP/1.0, or {@code Connection:
 * close} without a length) are answered normally, streaming and not, for an Ollama-format
 * provider (ollama) and an OpenAI-format one (openrouter), end to end through chatd.
 */
class CloseDelimitedUpstreamTest {
    private static final String OLLAMA_LINE =
            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"%s\"},\"done\":false}\n";
    private static final String OLLAMA_DONE =
            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                    + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":4,\"eval_count\":2}\n";
    private static final String OPENAI_REPLY = """
            {"id":"gen-1","object":"chat.completion","model":"openai/gpt-4o","choices":[{"index":0,\
            "message":{"role":"assistant","content":"Hello from afar"},"finish_reason":"stop"}],\
            "usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7}}""";
    private static final String OPENAI_CHUNK =
            "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"model\":\"openai/gpt-4o\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}]}\n\n";
    private static final String OPENAI_LAST =
            "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"model\":\"openai/gpt-4o\","
                    + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":3,\"total_tokens\":7}}\n\ndata: [DONE]\n\n";

    /** Answers one request on each connection in the provider's format, then closes the connection to end the body. */
    private static RawUpstream.Script closeDelimited(String statusAndConnection) {
        return connection -> {
            String request = connection.readRequest();
            if (request == null) {
                return;
            }
            boolean stream = request.contains("\"stream\":true");
            boolean openAi = request.startsWith("POST /chat/completions");
            connection.write(statusAndConnection + "Content-Type: "
                    + (!stream ? "application/json" : openAi ? "text/event-stream" : "application/x-ndjson")
                    + "\r\n\r\n");
            if (!stream) {
                connection.write(openAi ? OPENAI_REPLY : TestServer.OLLAMA_REPLY);
                return;
            }
            for (String piece : new String[] {"Hello ", "from ", "afar"}) {
                connection.write(openAi ? OPENAI_CHUNK.formatted(piece) : OLLAMA_LINE.formatted(piece));
                Thread.sleep(20);
            }
            connection.write(openAi ? OPENAI_LAST : OLLAMA_DONE);
        };
    }

    private static TestServer chatdBefore(RawUpstream raw) {
        return TestServer.builder()
                .config("chatd.providers.ollama.base-url", raw.baseUrl().toString())
                .config("chatd.providers.openrouter.base-url", raw.baseUrl().toString())
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .start();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ollama/llama3.2|HTTP/1.0 200 OK",
                "ollama/llama3.2|HTTP/1.1 200 OK\\r\\nConnection: close",
                "openrouter/openai/gpt-4o|HTTP/1.0 200 OK",
                "openrouter/openai/gpt-4o|HTTP/1.1 200 OK\\r\\nConnection: close"
            })
    void aNonStreamingReplyIsAnswered(String model, String statusAndConnection) {
        try (RawUpstream raw =
                        RawUpstream.start(closeDelimited(statusAndConnection.replace("\\r\\n", "\r\n") + "\r\n"));
                TestServer chatd = chatdBefore(raw)) {
            for (int i = 0; i < 2; i++) { // the second call must not reuse the closed connection
                TestServer.Reply reply = chatd.post(
                        "/chat", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

                assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
                assertThat(reply.json()).containsEntry("finish_reason", "stop");
                assertThat(((Map<?, ?>) reply.json().get("message")).get("content"))
                        .isEqualTo(model.startsWith("ollama") ? "Hello! How can I help?" : "Hello from afar");
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ollama/llama3.2|HTTP/1.0 200 OK",
                "ollama/llama3.2|HTTP/1.1 200 OK\\r\\nConnection: close",
                "openrouter/openai/gpt-4o|HTTP/1.0 200 OK",
                "openrouter/openai/gpt-4o|HTTP/1.1 200 OK\\r\\nConnection: close"
            })
    void aStreamIsRelayedToItsEnd(String model, String statusAndConnection) {
        try (RawUpstream raw =
                        RawUpstream.start(closeDelimited(statusAndConnection.replace("\\r\\n", "\r\n") + "\r\n"));
                TestServer chatd = chatdBefore(raw)) {
            TestServer.Reply reply = chatd.post("/chat", RunningChatd.streamRequest(model));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.body())
                    .doesNotContain("event: error")
                    .contains("\"content\":\"Hello \"", "\"content\":\"from \"", "\"content\":\"afar\"")
                    .contains("\"finish_reason\":\"stop\"");
        }
    }
}
