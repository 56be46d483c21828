package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.tck.FakeUpstream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Responses client reaching a Responses-format upstream ({@code opencode/gpt-…}) through
 * {@code /v1/responses}: its input items arrive as it sent them (encrypted reasoning, item ids,
 * the call and its output), and the upstream's output items come back, with the model as the
 * client named it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResponsesPassThroughTest {
    private static FakeUpstream fake;
    private static RunningChatd chatd;

    @BeforeAll
    static void start() {
        fake = FakeUpstream.start();
        chatd = RunningChatd.start(Map.of("chatd.providers.opencode.base-url", fake.baseUrl() + "/zen/v1"));
    }

    @AfterAll
    static void stop() {
        if (chatd != null) {
            chatd.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private static final String INPUT = """
            [{"type":"message","role":"user","content":[{"type":"input_text","text":"List the files."}]},
             {"type":"reasoning","id":"rs_01","summary":[{"type":"summary_text","text":"Run ls."}],
              "encrypted_content":"gAAAAABo-opaque"},
             {"type":"function_call","id":"fc_01","call_id":"call_X","name":"shell",
              "arguments":"{\\"command\\":[\\"ls\\"]}","status":"completed"},
             {"type":"function_call_output","call_id":"call_X","output":"a.txt"}]""";

    private static final String REPLY = """
            {"id":"resp_up","object":"response","created_at":1,"status":"completed","model":"gpt-5",
             "output":[{"type":"message","id":"msg_01","status":"completed","role":"assistant",
               "content":[{"type":"output_text","text":"There is one file, a.txt.","annotations":[]}]}],
             "usage":{"input_tokens":50,"output_tokens":9,"total_tokens":59,
              "input_tokens_details":{"cached_tokens":32},"output_tokens_details":{"reasoning_tokens":0}}}""";

    @Test
    @SuppressWarnings("unchecked")
    void theClientsItemsArriveAsSentAndTheAnswerComesBack() throws Exception {
        fake.on("POST", "/zen/v1/responses", FakeUpstream.json(200, REPLY));

        HttpResponse<String> reply = chatd.post("/v1/responses", """
                {"model":"opencode/gpt-5","store":false,"include":["reasoning.encrypted_content"],
                 "instructions":"Use the shell.","input":%s}""".formatted(INPUT));

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        Map<String, Object> sent = fake.lastRequest().json();
        List<Object> input = (List<Object>) sent.get("input");
        assertThat(input).containsSubsequence(((List<Object>) JsonCodec.parse(INPUT)).toArray());
        assertThat(sent).containsEntry("model", "gpt-5").containsEntry("store", false);
        assertThat(sent.get("include")).isEqualTo(List.of("reasoning.encrypted_content"));
        Map<String, Object> body = (Map<String, Object>) JsonCodec.parse(reply.body());
        assertThat(body).containsEntry("object", "response").containsEntry("model", "opencode/gpt-5");
        List<Object> output = (List<Object>) body.get("output");
        Map<String, Object> message = (Map<String, Object>) output.get(output.size() - 1);
        assertThat(((Map<String, Object>) ((List<Object>) message.get("content")).get(0)))
                .containsEntry("text", "There is one file, a.txt.");
        assertThat(((Map<String, Object>) ((Map<String, Object>) body.get("usage")).get("input_tokens_details")))
                .containsEntry("cached_tokens", OpenAiChatEndpointTest.n(32));
    }
}
