package dev.chatd.server;

import static dev.chatd.server.OpenAiChatEndpointTest.line;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.server.ingress.ApiError;
import dev.chatd.server.ingress.EventSink;
import dev.chatd.server.ingress.Exchange;
import dev.chatd.server.ingress.Framing;
import dev.chatd.server.ingress.IngressCall;
import dev.chatd.server.ingress.IngressCodec;
import dev.chatd.server.ingress.OpenAiChatCodec;
import dev.chatd.server.ingress.StreamEncoder;
import dev.chatd.tck.FakeUpstream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client API added the way the next ones (Anthropic Messages, OpenAI Responses) will be: a
 * codec and a mount, nothing else. Its stream has named events, several per chunk, numbered in
 * sequence; its errors, routing's included, come in its own envelope.
 */
class NewIngressTest {
    private static final String PATH = "/test/messages";
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .ingress(new Ingress(
                        new MessagesCodec(), List.of(PATH), List.of(PATH + "*"), rules -> {}, List.of("POST " + PATH)))
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aReplyIsInTheCodecsShape() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = server.post(PATH, TestServer.HELLO);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json())
                .containsEntry("type", "message")
                .containsEntry("model", "ollama/llama3.2")
                .containsEntry("stop_reason", "stop");
        assertThat((List<Object>) reply.json().get("content"))
                .containsExactly(Map.of("type", "text", "text", "Hello! How can I help?"));
    }

    @Test
    void aStreamIsNamedEventsSeveralPerChunkInSequence() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson()
                        .lines(
                                line("\"content\":\"Hel\""),
                                "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"lo\"},\"done\":true,"
                                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":1,\"eval_count\":2}"));

        try (SseReader reply = stream()) {
            assertThat(reply.status()).isEqualTo(200);
            List<SseReader.Event> events = reply.rest();
            assertThat(events)
                    .extracting(SseReader.Event::name)
                    .containsExactly(
                            "message_start",
                            "content_block_delta",
                            "content_block_delta",
                            "message_delta",
                            "message_stop");
            assertThat(events)
                    .extracting(e -> e.json().get("sequence_number"))
                    .containsExactly(
                            BigDecimal.valueOf(0),
                            BigDecimal.valueOf(1),
                            BigDecimal.valueOf(2),
                            BigDecimal.valueOf(3),
                            BigDecimal.valueOf(4));
            assertThat(events.get(2).json()).containsEntry("delta", Map.of("text", "lo"));
        }
    }

    @Test
    void aFailureMidStreamIsTheCodecsErrorEvent() throws Exception {
        server.fake.on(
                "POST",
                "/api/chat",
                FakeUpstream.ndjson().lines(line("\"content\":\"Hel\"")).cut());

        try (SseReader reply = stream()) {
            SseReader.Event last = reply.rest().getLast();
            assertThat(last.name()).isEqualTo("error");
            assertThat(last.json()).containsEntry("type", "error");
            assertThat(last.error()).containsEntry("type", "upstream_error");
        }
    }

    @Test
    void everyErrorAtItsPathsIsInItsEnvelope() {
        TestServer.Reply unknownProvider = server.post(PATH, """
                {"model":"ollama_cloud/m","messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(unknownProvider.status()).isEqualTo(404);
        assertThat(unknownProvider.json()).containsEntry("type", "error");
        assertThat(unknownProvider.errorType()).isEqualTo("provider_not_found");

        TestServer.Reply malformed = server.post(PATH, "{");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json()).containsEntry("type", "error");

        TestServer.Reply wrongMethod = server.get(PATH);
        assertThat(wrongMethod.status()).isEqualTo(404);
        assertThat(wrongMethod.json()).containsEntry("type", "error");
        assertThat(wrongMethod.errorMessage()).contains("POST " + PATH);
    }

    private static SseReader stream() throws Exception {
        HttpRequest request = server.request(PATH)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"ollama/llama3.2","stream":true,"messages":[{"role":"user","content":"Hi"}]}"""))
                .build();
        return new SseReader(client.send(request, HttpResponse.BodyHandlers.ofLines()));
    }

    /** A small Anthropic-like API: typed objects, named events, {@code {"type":"error","error":{…}}}. */
    private static final class MessagesCodec implements IngressCodec {
        @Override
        public String name() {
            return "test-messages";
        }

        @Override
        public Framing framing() {
            return Framing.SSE;
        }

        @Override
        public IngressCall decode(Object body) {
            IngressCall openAi = new OpenAiChatCodec().decode(body); // same request shape, for brevity
            return new IngressCall() {
                @Override
                public ChatRequest request() {
                    return openAi.request();
                }

                @Override
                public boolean stream() {
                    return openAi.stream();
                }

                @Override
                public Object reply(ChatResponse response, Exchange exchange) {
                    return Map.of(
                            "type",
                            "message",
                            "model",
                            exchange.model(),
                            "content",
                            List.of(Map.of(
                                    "type", "text", "text", response.message().text())),
                            "stop_reason",
                            response.finishReason().wire());
                }

                @Override
                public StreamEncoder streamEncoder(Exchange exchange) {
                    return new StreamEncoder() {
                        private int sequence;

                        @Override
                        public void open(EventSink out) {
                            send(out, "message_start", Map.of("model", exchange.model()));
                        }

                        @Override
                        public void chunk(EventSink out, ChatChunk chunk) {
                            if (chunk.content() != null && !chunk.content().isEmpty()) {
                                send(out, "content_block_delta", Map.of("delta", Map.of("text", chunk.content())));
                            }
                            if (chunk.isFinal()) {
                                send(
                                        out,
                                        "message_delta",
                                        Map.of(
                                                "stop_reason",
                                                chunk.finishReason().wire()));
                                send(out, "message_stop", Map.of());
                            }
                        }

                        @Override
                        public void error(EventSink out, ApiError error) {
                            out.event("error", errorBody(error, exchange.requestId()));
                        }

                        private void send(EventSink out, String type, Map<String, Object> fields) {
                            Map<String, Object> event = new LinkedHashMap<>();
                            event.put("type", type);
                            event.put("sequence_number", sequence++);
                            event.putAll(fields);
                            out.event(type, event);
                        }
                    };
                }
            };
        }

        @Override
        public Object errorBody(ApiError error, String requestId) {
            return Map.of("type", "error", "error", Map.of("type", error.type(), "message", error.message()));
        }
    }
}
