package dev.chatd.provider.openrouter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.spi.ChatProvider;
import dev.chatd.tck.ErrorRow;
import dev.chatd.tck.FakeUpstream;
import dev.chatd.tck.TestProviderContext;
import java.net.URI;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** OpenRouter's error replies, in its envelope {@code {"error":{"code":…,"message":…,"metadata":…}}}. */
class OpenRouterErrorsTest {
    private static final String KEY = "sk-canary-xyz";
    private static final String PATH = "/api/v1/chat/completions";
    private static final ChatRequest REQUEST = ChatRequest.builder()
            .model("anthropic/claude-3.5-sonnet")
            .addMessage(Message.of(Role.USER, "Hi"))
            .build();

    private FakeUpstream upstream;
    private ChatProvider provider;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start();
        provider = new OpenRouterProviderFactory()
                .create(TestProviderContext.of("openrouter", URI.create(upstream.baseUrl() + "/api/v1"), KEY))
                .orElseThrow();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    static Stream<ErrorRow> rows() {
        return Stream.of(
                ErrorRow.json(
                        "400 bad parameter",
                        400,
                        """
                        {"error":{"code":400,"message":"max_tokens: Input should be a valid integer",
                                  "metadata":{"provider_name":"Anthropic"}}}
                        """,
                        ChatException.UpstreamBadRequest.class,
                        "max_tokens: Input should be a valid integer"),
                ErrorRow.json(
                        "400 unknown model",
                        400,
                        """
                        {"error":{"code":400,"message":"anthropic/claude-9 is not a valid model ID"}}
                        """,
                        ChatException.ModelNotFound.class,
                        "anthropic/claude-9 is not a valid model ID"),
                ErrorRow.json("401 wrong key, echoed", 401, """
                        {"error":{"code":401,"message":"Invalid API key: sk-canary-xyz"}}
                        """, ChatException.UpstreamAuth.class, "Invalid API key"),
                ErrorRow.json(
                        "402 out of credits",
                        402,
                        """
                        {"error":{"code":402,"message":"This request requires more credits, or fewer max_tokens.",
                                  "metadata":{}}}
                        """,
                        ChatException.UpstreamFailure.class,
                        "out of credits",
                        "This request requires more credits"),
                ErrorRow.json(
                        "403 input flagged by moderation",
                        403,
                        """
                        {"error":{"code":403,"message":"openai/gpt-4o requires moderation on OpenAI. Your input was flagged for \\"violence\\"",
                                  "metadata":{"reasons":["violence"],"flagged_input":"how do I…",
                                              "provider_name":"OpenAI","model_slug":"openai/gpt-4o"}}}
                        """,
                        ChatException.UpstreamBadRequest.class,
                        "moderation",
                        "Your input was flagged for \"violence\""),
                ErrorRow.json("403 key limit", 403, """
                        {"error":{"code":403,"message":"Key limit exceeded (total limit). Manage it using https://openrouter.ai/settings/keys"}}
                        """, ChatException.UpstreamAuth.class, "Key limit exceeded"),
                ErrorRow.json("408 timeout", 408, """
                        {"error":{"code":408,"message":"Request timed out"}}
                        """, ChatException.UpstreamTimeout.class, "Request timed out"),
                ErrorRow.json(
                                "429 rate limited",
                                429,
                                """
                        {"error":{"code":429,"message":"Rate limit exceeded: free-models-per-min"}}
                        """,
                                ChatException.RateLimited.class,
                                "Rate limit exceeded: free-models-per-min")
                        .withHeader("Retry-After", "17"),
                ErrorRow.json(
                        "500 server error", 500, """
                        {"error":{"code":500,"message":"Internal Server Error"}}
                        """, ChatException.UpstreamFailure.class, "Internal Server Error"),
                ErrorRow.json(
                        "502 model down", 502, """
                        {"error":{"code":502,"message":"Provider returned error",
                                  "metadata":{"provider_name":"Anthropic","raw":"overloaded"}}}
                        """, ChatException.UpstreamFailure.class, "Provider returned error"),
                ErrorRow.json(
                        "503 no provider available",
                        503,
                        """
                        {"error":{"code":503,"message":"No allowed providers are available for the selected model."}}
                        """,
                        ChatException.UpstreamFailure.class,
                        "No allowed providers are available"),
                ErrorRow.other(
                        "502 HTML from a proxy",
                        502,
                        "text/html",
                        "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>",
                        ChatException.UpstreamFailure.class,
                        "502"),
                ErrorRow.json(
                        "200 whose choice failed mid-generation, echoing the key",
                        200,
                        """
                        {"id":"gen-1","object":"chat.completion","model":"openai/gpt-4o","choices":[{"index":0,
                         "message":{"role":"assistant","content":""},"finish_reason":"error",
                         "error":{"code":502,"message":"provider rejected key sk-canary-xyz"}}]}
                        """,
                        ChatException.UpstreamFailure.class,
                        "provider rejected key ****"),
                ErrorRow.other(
                        "200 with an HTML body echoing the key",
                        200,
                        "text/html; charset=utf-8",
                        "<!DOCTYPE html><html><body>Login required for sk-canary-xyz</body></html>",
                        ChatException.UpstreamFailure.class,
                        "not JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void errorReplyBecomesTheRightChatException(ErrorRow row) {
        row.check(upstream, PATH, provider, REQUEST, KEY);
    }

    @Test
    void rateLimitKeepsRetryAfter() {
        ErrorRow row = ErrorRow.json(
                        "429",
                        429,
                        "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\"}}",
                        ChatException.RateLimited.class)
                .withHeader("Retry-After", "17");

        ChatException e = row.check(upstream, PATH, provider, REQUEST, KEY);

        assertThat(((ChatException.RateLimited) e).retryAfter()).contains("17");
    }

    @Test
    void wrongKeyIsAnOperatorProblemAndTheEchoedKeyIsRedacted() {
        ErrorRow row = ErrorRow.json("401", 401, """
                {"error":{"code":401,"message":"No user found for key sk-canary-xyz (prefix sk-canary-xyz)"}}
                """, ChatException.UpstreamAuth.class, "No user found for key ****");

        row.check(upstream, PATH, provider, REQUEST, KEY);

        assertThat(upstream.lastRequest().header("Authorization")).isEqualTo("Bearer " + KEY);
    }
}
