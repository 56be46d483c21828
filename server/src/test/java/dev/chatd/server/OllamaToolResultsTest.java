package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tool results sent to the Ollama ingress ({@code /api/chat}) reach an OpenAI-format upstream
 * answering the right calls: Ollama tool messages carry the function's name and no id.
 */
class OllamaToolResultsTest {
    private static final String OPENAI_REPLY = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m",\
            "choices":[{"index":0,"message":{"role":"assistant","content":"Tokyo is sunny, Paris rainy."},\
            "finish_reason":"stop"}],"usage":{"prompt_tokens":40,"completion_tokens":8,"total_tokens":48}}""";

    /** An Ollama conversation: two parallel calls of one function, then their results, in order. */
    private static final String TWO_PARALLEL_CALLS = """
            {"model":"openrouter/openai/gpt-4o","stream":false,"messages":[
              {"role":"user","content":"Weather in Tokyo and Paris?"},
              {"role":"assistant","content":"","tool_calls":[
                {"id":"call_tokyo","function":{"name":"get_weather","arguments":{"city":"Tokyo"}}},
                {"id":"call_paris","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},
              {"role":"tool","tool_name":"get_weather","content":"sunny"},
              {"role":"tool","tool_name":"get_weather","content":"rainy"}]}""";

    @Test
    void twoParallelCallsOfOneFunctionGetOneResultEach() throws Exception {
        try (FakeUpstream openrouter = FakeUpstream.start()) {
            openrouter.on("POST", "/chat/completions", FakeUpstream.json(200, OPENAI_REPLY));
            try (RunningChatd chatd = RunningChatd.start(Map.of(
                    "chatd.providers.openrouter.base-url", openrouter.baseUrl().toString()))) {
                HttpResponse<String> reply = chatd.post("/api/chat", TWO_PARALLEL_CALLS);

                assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
                List<Map<String, Object>> messages =
                        messages(openrouter.lastRequest().json());
                assertThat(messages).hasSize(4);
                assertThat(messages.get(2))
                        .containsEntry("role", "tool")
                        .containsEntry("tool_call_id", "call_tokyo")
                        .containsEntry("content", "sunny");
                assertThat(messages.get(3))
                        .containsEntry("role", "tool")
                        .containsEntry("tool_call_id", "call_paris")
                        .containsEntry("content", "rainy");
            }
        }
    }

    @Test
    void callsWithoutIdsGetDistinctIdsThatTheResultsAnswer() throws Exception {
        String withoutIds =
                TWO_PARALLEL_CALLS.replace("\"id\":\"call_tokyo\",", "").replace("\"id\":\"call_paris\",", "");
        try (FakeUpstream openrouter = FakeUpstream.start()) {
            openrouter.on("POST", "/chat/completions", FakeUpstream.json(200, OPENAI_REPLY));
            try (RunningChatd chatd = RunningChatd.start(Map.of(
                    "chatd.providers.openrouter.base-url", openrouter.baseUrl().toString()))) {
                HttpResponse<String> reply = chatd.post("/api/chat", withoutIds);

                assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
                List<Map<String, Object>> messages =
                        messages(openrouter.lastRequest().json());
                List<String> callIds = calls(messages.get(1)).stream()
                        .map(c -> (String) c.get("id"))
                        .toList();
                assertThat(callIds).hasSize(2).doesNotHaveDuplicates().doesNotContainNull();
                assertThat(messages.get(2)).containsEntry("tool_call_id", callIds.get(0));
                assertThat(messages.get(3)).containsEntry("tool_call_id", callIds.get(1));
            }
        }
    }

    @Test
    void resultsOfDifferentFunctionsAnswerTheirOwnCallWhateverTheOrder() throws Exception {
        String mixed = """
                {"model":"openrouter/openai/gpt-4o","stream":false,"messages":[
                  {"role":"user","content":"Weather and time in Tokyo?"},
                  {"role":"assistant","content":"","tool_calls":[
                    {"id":"call_w","function":{"name":"get_weather","arguments":{"city":"Tokyo"}}},
                    {"id":"call_t","function":{"name":"get_time","arguments":{"city":"Tokyo"}}}]},
                  {"role":"tool","tool_name":"get_time","content":"09:00"},
                  {"role":"tool","tool_name":"get_weather","content":"sunny"}]}""";
        try (FakeUpstream openrouter = FakeUpstream.start()) {
            openrouter.on("POST", "/chat/completions", FakeUpstream.json(200, OPENAI_REPLY));
            try (RunningChatd chatd = RunningChatd.start(Map.of(
                    "chatd.providers.openrouter.base-url", openrouter.baseUrl().toString()))) {
                assertThat(chatd.post("/api/chat", mixed).statusCode()).isEqualTo(200);

                List<Map<String, Object>> messages =
                        messages(openrouter.lastRequest().json());
                assertThat(messages.get(2)).containsEntry("tool_call_id", "call_t");
                assertThat(messages.get(3)).containsEntry("tool_call_id", "call_w");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> messages(Map<String, Object> body) {
        return (List<Map<String, Object>>) body.get("messages");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> calls(Map<String, Object> message) {
        return (List<Map<String, Object>>) message.get("tool_calls");
    }
}
