package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.tck.FakeUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A misspelt provider prefix goes to the default provider as before; its "model not found" now
 * says what happened, in every ingress's envelope, streamed or not (the 404 comes before a 200).
 */
class PrefixHintTest {
    private static final String HINT = "did you mean 'openrouter/openai/gpt-4o'? ('openruoter' is not a provider)";

    private static TestServer server;

    @BeforeAll
    static void start() {
        // openrouter has no key here: known to chatd, not configured, and still suggested.
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String body(String model, boolean stream) {
        return """
                {"model":"%s","stream":%s,"messages":[{"role":"user","content":"Hi"}]}""".formatted(model, stream);
    }

    private static void ollamaDoesNotKnow(String model) {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(404, "{\"error\":\"model '" + model + "' not found\"}"));
    }

    @Test
    void openAiEnvelopeCarriesTheHintStreamedOrNot() {
        ollamaDoesNotKnow("openruoter/openai/gpt-4o");
        for (boolean stream : new boolean[] {false, true}) {
            TestServer.Reply reply = server.post("/v1/chat/completions", body("openruoter/openai/gpt-4o", stream));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
            assertThat(reply.error()).containsEntry("code", "model_not_found");
            assertThat(reply.errorMessage()).contains("model 'openruoter/openai/gpt-4o' not found", HINT);
            assertThat(server.fake.lastRequest().json())
                    .as("routing is unchanged")
                    .containsEntry("model", "openruoter/openai/gpt-4o");
        }
    }

    @Test
    void ollamaEnvelopeCarriesTheHintStreamedOrNot() {
        ollamaDoesNotKnow("openruoter/openai/gpt-4o");
        for (boolean stream : new boolean[] {false, true}) {
            TestServer.Reply reply = server.post("/api/chat", body("openruoter/openai/gpt-4o", stream));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
            assertThat((String) reply.json().get("error")).contains("not found", HINT);
        }
    }

    @Test
    void nativeEnvelopeCarriesTheHint() {
        ollamaDoesNotKnow("openruoter/openai/gpt-4o");
        TestServer.Reply reply = server.post("/chat", body("openruoter/openai/gpt-4o", true));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
        assertThat(reply.errorMessage()).contains(HINT);
    }

    @Test
    void anOllamaModelWithASlashGetsThePlainNotFound() {
        ollamaDoesNotKnow("hf.co/org/model");
        TestServer.Reply reply = server.post("/v1/chat/completions", body("hf.co/org/model", false));

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.errorMessage())
                .contains("model 'hf.co/org/model' not found")
                .doesNotContain("did you mean");
    }

    @Test
    void anUnreachableDefaultProviderGetsNoHint() {
        server.fake.on("POST", "/api/chat", FakeUpstream.json(500, "{\"error\":\"boom\"}"));
        TestServer.Reply reply = server.post("/v1/chat/completions", body("openruoter/openai/gpt-4o", false));

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.errorMessage()).doesNotContain("did you mean");
    }
}
