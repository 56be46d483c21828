package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What used to be lost between upstream and client (issue 11): several choices, token log
 * probabilities and the cached/reasoning token counts from an OpenAI-format upstream, streamed
 * and not; reasoning effort and log probabilities to and from an Ollama upstream; and fields of
 * one format kept away from an upstream of another.
 */
class FidelityTest {
    private static final String PATH = "/v1/chat/completions";
    private static FakeUpstream openAi;
    private static TestServer server;

    /** chatd with Ollama before its own fake and OpenRouter before an OpenAI-format one. */
    @BeforeAll
    static void start() {
        openAi = FakeUpstream.start();
        server = TestServer.builder()
                .config("chatd.providers.openrouter.base-url", openAi.baseUrl().toString())
                .env("OPENROUTER_API_KEY", "sk-or-test")
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        openAi.close();
    }

    private static final String TWO_CHOICES = """
            {"id":"gen-1","object":"chat.completion","created":1,"model":"openai/gpt-4o",
             "choices":[
              {"index":0,"message":{"role":"assistant","content":"Yes"},"finish_reason":"stop",
               "logprobs":{"content":[{"token":"Yes","logprob":-0.1,"bytes":[89,101,115],
                 "top_logprobs":[{"token":"Yes","logprob":-0.1,"bytes":[89,101,115]},{"token":"No","logprob":-2.3,"bytes":[78,111]}]}],
                 "refusal":null}},
              {"index":1,"message":{"role":"assistant","content":"No"},"finish_reason":"stop",
               "logprobs":{"content":[{"token":"No","logprob":-0.7,"bytes":[78,111],"top_logprobs":[]}],"refusal":null}}],
             "usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14,
               "prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":3}}}
            """;

    @Test
    @SuppressWarnings("unchecked")
    void severalChoicesLogprobsAndUsageDetailsReachAnOpenAiClient() throws InterruptedException {
        openAi.on("POST", "/chat/completions", FakeUpstream.json(200, TWO_CHOICES));
        try (LogCapture log = LogCapture.start()) {
            TestServer.Reply reply = server.post(PATH, """
                        {"model":"openrouter/openai/gpt-4o","n":2,"logprobs":true,"top_logprobs":2,
                         "messages":[{"role":"user","content":"Yes or no?"}]}""");

            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            Map<String, Object> sent = openAi.lastRequest().json();
            assertThat(sent).containsEntry("n", OpenAiChatEndpointTest.n(2)).containsEntry("logprobs", true);
            Map<String, Object> original = (Map<String, Object>) JsonCodec.parse(TWO_CHOICES);
            assertThat(reply.json().get("choices")).isEqualTo(original.get("choices"));
            Map<String, Object> usage = (Map<String, Object>) reply.json().get("usage");
            assertThat(usage.get("prompt_tokens_details"))
                    .isEqualTo(Map.of("cached_tokens", OpenAiChatEndpointTest.n(8)));
            assertThat(usage.get("completion_tokens_details"))
                    .isEqualTo(Map.of("reasoning_tokens", OpenAiChatEndpointTest.n(3)));
            assertThat(AccessLogTest.line(log, reply.header("X-Request-Id")))
                    .contains("cached_tokens=8", "reasoning_tokens=3");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void severalChoicesStreamByIndexWithLogprobsAndUsageDetails() {
        openAi.on(
                "POST",
                "/chat/completions",
                FakeUpstream.sse()
                        .events(
                                chunk(0, "{\"role\":\"assistant\",\"content\":\"\"}", null, null),
                                chunk(1, "{\"role\":\"assistant\",\"content\":\"\"}", null, null),
                                chunk(0, "{\"content\":\"Yes\"}", LOGPROB_YES, null),
                                chunk(1, "{\"content\":\"No\"}", LOGPROB_NO, null),
                                chunk(1, "{}", null, "length"),
                                chunk(0, "{}", null, "stop"),
                                "{\"id\":\"gen-2\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                                        + "\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,"
                                        + "\"completion_tokens\":4,\"total_tokens\":14,"
                                        + "\"prompt_tokens_details\":{\"cached_tokens\":8},"
                                        + "\"completion_tokens_details\":{\"reasoning_tokens\":3}}}")
                        .done());

        TestServer.Reply reply = server.post(PATH, """
                    {"model":"openrouter/openai/gpt-4o","n":2,"logprobs":true,"stream":true,
                     "stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Yes or no?"}]}""");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<Map<String, Object>> events = events(reply.body());
        StringBuilder[] text = {new StringBuilder(), new StringBuilder()};
        String[] finish = new String[2];
        boolean[] role = new boolean[2];
        List<Object> logprobs = new ArrayList<>();
        Map<String, Object> usage = null;
        for (Map<String, Object> event : events) {
            assertThat(event).as(reply.body()).containsKey("choices");
            if (event.get("usage") != null) {
                usage = (Map<String, Object>) event.get("usage");
            }
            for (Object c : (List<Object>) event.get("choices")) {
                Map<String, Object> choice = (Map<String, Object>) c;
                int index = ((Number) choice.get("index")).intValue();
                Map<String, Object> delta = (Map<String, Object>) choice.get("delta");
                role[index] |= "assistant".equals(delta.get("role"));
                if (delta.get("content") != null) {
                    text[index].append(delta.get("content"));
                }
                if (choice.get("finish_reason") != null) {
                    finish[index] = (String) choice.get("finish_reason");
                }
                if (choice.get("logprobs") != null) {
                    logprobs.addAll((List<Object>) ((Map<String, Object>) choice.get("logprobs")).get("content"));
                }
            }
        }
        assertThat(role).containsExactly(true, true);
        assertThat(text[0]).hasToString("Yes");
        assertThat(text[1]).hasToString("No");
        assertThat(finish).containsExactly("stop", "length");
        assertThat(logprobs).hasSize(2);
        assertThat(usage).isNotNull();
        assertThat(usage.get("prompt_tokens_details")).isEqualTo(Map.of("cached_tokens", OpenAiChatEndpointTest.n(8)));
        assertThat(reply.body().strip()).endsWith("data: [DONE]");
    }

    private static final String LOGPROB_YES =
            "{\"content\":[{\"token\":\"Yes\",\"logprob\":-0.1,\"bytes\":[89,101,115],\"top_logprobs\":[]}]}";
    private static final String LOGPROB_NO =
            "{\"content\":[{\"token\":\"No\",\"logprob\":-0.7,\"bytes\":[78,111],\"top_logprobs\":[]}]}";

    private static String chunk(int index, String delta, String logprobs, String finish) {
        return "{\"id\":\"gen-2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":"
                + index + ",\"delta\":" + delta + ",\"logprobs\":" + logprobs + ",\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }

    @Test
    void reasoningEffortBecomesOllamasThinkAndOpenAiOnlyFieldsStayBehind() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

        TestServer.Reply reply = server.post(PATH, """
                {"model":"qwen3:8b","reasoning_effort":"high","user":"u-1","parallel_tool_calls":false,
                 "messages":[{"role":"user","content":"Think"}]}""");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        Map<String, Object> sent = server.fake.lastRequest().json();
        assertThat(sent)
                .containsEntry("think", true)
                .doesNotContainKeys("reasoning_effort", "user", "parallel_tool_calls");
    }

    @Test
    void theOperatorCanSendEveryFieldToEveryUpstream() {
        try (TestServer chatd = TestServer.builder()
                .config("chatd.forward-foreign-fields", "true")
                .start()) {
            chatd.fake.on("POST", "/api/chat", FakeUpstream.json(200, TestServer.OLLAMA_REPLY));

            TestServer.Reply reply = chatd.post(PATH, """
                    {"model":"llama3.2","user":"u-1","messages":[{"role":"user","content":"Hi"}]}""");

            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(chatd.fake.lastRequest().json()).containsEntry("user", "u-1");
        }
    }

    @Test
    void severalChoicesFromOllamaAreA400ThatSaysSo() {
        int before = server.fake.requests().size();
        TestServer.Reply reply = server.post(PATH, """
                {"model":"llama3.2","n":3,"messages":[{"role":"user","content":"Hi"}]}""");

        assertThat(reply.status()).isEqualTo(400);
        assertThat((String) reply.error().get("message")).contains("n is 3", "one choice per request");
        assertThat(server.fake.requests()).hasSize(before);
    }

    @Test
    @SuppressWarnings("unchecked")
    void ollamasLogprobsReachAnOpenAiClientStreamedAndNot() {
        server.fake.on("POST", "/api/chat", (recorded, exchange, upstream) -> {
            boolean stream = !Boolean.FALSE.equals(recorded.json().get("stream"));
            String logprobs =
                    "[{\"token\":\"Hi\",\"logprob\":-0.5,\"top_logprobs\":[{\"token\":\"Hi\",\"logprob\":-0.5}]}]";
            if (stream) {
                FakeUpstream.ndjson()
                        .lines(
                                "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"logprobs\":"
                                        + logprobs + ",\"done\":false}",
                                "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                                        + "\"done_reason\":\"stop\",\"prompt_eval_count\":1,\"eval_count\":1}")
                        .respond(recorded, exchange, upstream);
            } else {
                FakeUpstream.send(
                        exchange,
                        200,
                        "application/json",
                        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"logprobs\":"
                                + logprobs + ",\"done\":true,\"done_reason\":\"stop\"}");
            }
        });
        String body = "{\"model\":\"llama3.2\",\"logprobs\":true,\"top_logprobs\":1,%s"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

        TestServer.Reply whole = server.post(PATH, body.formatted(""));
        TestServer.Reply streamed = server.post(PATH, body.formatted("\"stream\":true,"));

        assertThat(server.fake.lastRequest().json()).containsEntry("logprobs", true);
        Map<String, Object> choice =
                (Map<String, Object>) ((List<Object>) whole.json().get("choices")).get(0);
        List<Object> content = (List<Object>) ((Map<String, Object>) choice.get("logprobs")).get("content");
        assertThat((Map<String, Object>) content.get(0)).containsEntry("token", "Hi");
        assertThat(streamed.body()).contains("\"logprobs\":{\"content\":[{\"token\":\"Hi\"");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> events(String body) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                events.add((Map<String, Object>) JsonCodec.parse(line.substring(6)));
            }
        }
        return events;
    }
}
