package dev.chatd.kit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatException;
import dev.chatd.tck.TestProviderContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamErrorsTest {
    private static final String CANARY = "sk-canary-1234567890";
    private static final UpstreamClient CLIENT = UpstreamClient.create(
            TestProviderContext.of("ollama_cloud", URI.create("http://127.0.0.1:9"), Duration.ofSeconds(5))
                    .withKey(CANARY),
            true,
            Map.of());

    private static UpstreamReply reply(int status, String body, String... headers) {
        Map<String, String> map = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            map.put(headers[i], headers[i + 1]);
        }
        return new UpstreamReply(CLIENT, status, map, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void badRequestKeepsTheUpstreamMessage() {
        ChatException e = UpstreamErrors.fromReply(reply(400, "{\"error\":\"context length exceeded\"}"));

        assertThat(e)
                .isInstanceOf(ChatException.UpstreamBadRequest.class)
                .hasMessageContaining("context length exceeded")
                .hasMessageContaining("ollama_cloud");
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void refusedCredentialsAreAnUpstreamAuthProblem(int status) {
        ChatException e = UpstreamErrors.fromReply(reply(status, "{\"error\":\"unauthorized\"}"));

        assertThat(e)
                .isInstanceOf(ChatException.UpstreamAuth.class)
                .hasMessageContaining("HTTP " + status)
                .hasMessageContaining("key");
    }

    @Test
    void notFoundWithAnErrorBodyIsModelNotFound() {
        ChatException e = UpstreamErrors.fromReply(reply(404, "{\"error\":\"model 'foo' not found\"}"));

        assertThat(e).isInstanceOf(ChatException.ModelNotFound.class).hasMessageContaining("model 'foo' not found");
    }

    @Test
    void notFoundWithoutABodyPointsAtTheBaseUrl() {
        ChatException e = UpstreamErrors.fromReply(reply(404, ""));

        assertThat(e).isInstanceOf(ChatException.UpstreamFailure.class).hasMessageContaining("base-url");
    }

    @Test
    void notFoundWithAPlainTextBodyPointsAtTheBaseUrl() {
        ChatException e = UpstreamErrors.fromReply(reply(404, "404 page not found", "Content-Type", "text/plain"));

        assertThat(e).isInstanceOf(ChatException.UpstreamFailure.class).hasMessageContaining("base-url");
    }

    @Test
    void rateLimitKeepsRetryAfter() {
        ChatException e = UpstreamErrors.fromReply(reply(429, "{\"error\":\"slow down\"}", "Retry-After", "30"));

        assertThat(e).isInstanceOf(ChatException.RateLimited.class).hasMessageContaining("slow down");
        assertThat(((ChatException.RateLimited) e).retryAfter()).contains("30");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 6 Nov 1994 08:49:37 GMT"})
    void rateLimitKeepsAValidRetryAfter(String value) {
        ChatException e = UpstreamErrors.fromReply(reply(429, "{\"error\":\"slow down\"}", "Retry-After", value));

        assertThat(((ChatException.RateLimited) e).retryAfter()).contains(value);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "soon",
                "-1",
                "1.5",
                "30, 60",
                "30\r\nSet-Cookie: session=evil",
                "30\nX-Forged: 1",
                "Wed, 21 Oct 2015 07:28:00 GMT\r\nX-Forged: 1",
                "99999999999",
                "\u0000",
                ""
            })
    void rateLimitDropsARetryAfterThatIsNeitherSecondsNorAnHttpDate(String value) {
        ChatException e = UpstreamErrors.fromReply(reply(429, "{\"error\":\"slow down\"}", "Retry-After", value));

        assertThat(e).isInstanceOf(ChatException.RateLimited.class).hasMessageContaining("slow down");
        assertThat(((ChatException.RateLimited) e).retryAfter()).isEmpty();
    }

    @Test
    void rateLimitWithoutRetryAfterHasNone() {
        ChatException e = UpstreamErrors.fromReply(reply(429, "{\"error\":\"slow down\"}"));

        assertThat(((ChatException.RateLimited) e).retryAfter()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503})
    void serverErrorsAreUpstreamFailures(int status) {
        ChatException e = UpstreamErrors.fromReply(reply(status, "{\"error\":\"cloud model unreachable\"}"));

        assertThat(e)
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessageContaining("HTTP " + status)
                .hasMessageContaining("cloud model unreachable");
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 504})
    void upstreamTimeoutStatusesAreTimeouts(int status) {
        ChatException e = UpstreamErrors.fromReply(reply(status, ""));

        assertThat(e).isInstanceOf(ChatException.UpstreamTimeout.class).hasMessageContaining("HTTP " + status);
    }

    @Test
    void keyEchoedInAnErrorIsRedacted() {
        ChatException e = UpstreamErrors.fromReply(reply(401, "{\"error\":\"invalid key " + CANARY + "\"}"));

        assertThat(e.getMessage()).contains("invalid key ****").doesNotContain(CANARY);
    }

    @Test
    void messageFromOllamaEnvelope() {
        assertThat(UpstreamErrors.messageOf(reply(500, "{\"error\":\"model 'foo' not found\"}")))
                .isEqualTo("model 'foo' not found");
    }

    @Test
    void messageFromOpenAiEnvelope() {
        assertThat(
                        UpstreamErrors.messageOf(
                                reply(
                                        400,
                                        "{\"error\":{\"message\":\"Invalid value for 'temperature'\",\"type\":\"invalid_request_error\",\"code\":null}}")))
                .isEqualTo("Invalid value for 'temperature'");
    }

    @Test
    void messageFromOpenCodeEnvelope() {
        assertThat(
                        UpstreamErrors.messageOf(
                                reply(
                                        401,
                                        "{\"type\":\"error\",\"error\":{\"type\":\"ModelError\",\"message\":\"Model xyz is not supported\"}}")))
                .isEqualTo("Model xyz is not supported");
    }

    @Test
    void messageFromTopLevelMessageField() {
        assertThat(UpstreamErrors.messageOf(reply(500, "{\"message\":\"internal error\"}")))
                .isEqualTo("internal error");
    }

    @Test
    void noMessageInHtmlOrEmptyBodies() {
        assertThat(UpstreamErrors.messageOf(reply(502, "<html><body>Bad Gateway</body></html>")))
                .isNull();
        assertThat(UpstreamErrors.messageOf(reply(502, ""))).isNull();
        assertThat(UpstreamErrors.messageOf(reply(502, "{\"error\":{\"code\":42}}")))
                .isNull();
    }

    @Test
    void classifyWithoutAMessageStillNamesTheProvider() {
        assertThat(UpstreamErrors.classify("ollama", 500, null, null))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessage("ollama failed with HTTP 500");
    }
}
