package dev.chatd.provider.opencode;

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

/** OpenCode Zen's error replies, in its Anthropic-style envelope {@code {"type":"error","error":{"type":…,"message":…}}}. */
class OpenCodeErrorsTest {
    private static final String KEY = "sk-canary-xyz";
    private static final String PATH = "/zen/v1/chat/completions";
    private static final ChatRequest REQUEST = ChatRequest.builder()
            .model("glm-5")
            .addMessage(Message.of(Role.USER, "Hi"))
            .build();

    private static final String CLAUDE_PATH = "/zen/v1/messages";
    private static final ChatRequest CLAUDE_REQUEST = REQUEST.withModel("claude-sonnet-4-5");

    private FakeUpstream upstream;
    private ChatProvider provider;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start();
        provider = new OpenCodeProviderFactory()
                .create(TestProviderContext.of("opencode", URI.create(upstream.baseUrl() + "/zen/v1"), KEY))
                .orElseThrow();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    static Stream<ErrorRow> rows() {
        return Stream.of(
                ErrorRow.json(
                        "400 bad request (Zen rewrites upstream 404s to it)",
                        400,
                        """
                        {"type":"error","error":{"type":"invalid_request_error","message":"messages: at least one message is required"}}
                        """,
                        ChatException.UpstreamBadRequest.class,
                        "messages: at least one message is required"),
                ErrorRow.json(
                        "401 ModelError is an unknown model",
                        401,
                        """
                        {"type":"error","error":{"type":"ModelError","message":"Model glm-99 not supported"}}
                        """,
                        ChatException.ModelNotFound.class,
                        "Model glm-99 not supported"),
                ErrorRow.json("401 AuthError", 401, """
                        {"type":"error","error":{"type":"AuthError","message":"Invalid API key."}}
                        """, ChatException.UpstreamAuth.class, "Invalid API key."),
                ErrorRow.json(
                        "401 AuthError echoing the key",
                        401,
                        """
                        {"type":"error","error":{"type":"AuthError","message":"Invalid API key sk-canary-xyz."}}
                        """,
                        ChatException.UpstreamAuth.class,
                        "Invalid API key ****."),
                ErrorRow.json(
                        "401 CreditsError is an empty account, not a bad key",
                        401,
                        """
                        {"type":"error","error":{"type":"CreditsError","message":"Insufficient balance."}}
                        """,
                        ChatException.UpstreamFailure.class,
                        "out of credits"),
                ErrorRow.json(
                        "401 MonthlyLimitError is a spent budget, not a bad key",
                        401,
                        """
                        {"type":"error","error":{"type":"MonthlyLimitError","message":"Monthly spending limit reached."}}
                        """,
                        ChatException.UpstreamFailure.class,
                        "monthly limit"),
                ErrorRow.json("429 usage limit", 429, """
                        {"type":"error","error":{"type":"RateLimitError","message":"Rate limit exceeded. Please try again later."}}
                        """, ChatException.RateLimited.class, "Rate limit exceeded")
                        .withHeader("retry-after", "30"),
                ErrorRow.json("500", 500, """
                        {"type":"error","error":{"type":"error","message":"Internal server error"}}
                        """, ChatException.UpstreamFailure.class, "Internal server error"),
                ErrorRow.json("502", 502, """
                        {"type":"error","error":{"type":"error","message":"Upstream provider unavailable"}}
                        """, ChatException.UpstreamFailure.class, "Upstream provider unavailable"),
                ErrorRow.json("503", 503, """
                        {"type":"error","error":{"type":"error","message":"Service overloaded"}}
                        """, ChatException.UpstreamFailure.class, "Service overloaded"),
                ErrorRow.other(
                        "200 with an HTML body",
                        200,
                        "text/html",
                        "<!doctype html><html><head><title>OpenCode</title></head><body>sk-canary-xyz</body></html>",
                        ChatException.UpstreamFailure.class,
                        "not JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void errorReplyBecomesTheRightChatException(ErrorRow row) {
        row.check(upstream, PATH, provider, REQUEST, KEY);
    }

    /** Zen's own envelope and types on {@code /messages} too, where its Claude models are. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void errorReplyOnTheClaudePathBecomesTheSameChatException(ErrorRow row) {
        row.check(upstream, CLAUDE_PATH, provider, CLAUDE_REQUEST, KEY);
    }

    /** What Zen relays from Anthropic unchanged: the overloaded error, which an Anthropic client is told as 529. */
    @Test
    void anthropicOverloadedOnTheClaudePathIsOverloaded() {
        ErrorRow.json(
                        "529 overloaded_error",
                        529,
                        """
                        {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}
                        """,
                        ChatException.UpstreamOverloaded.class,
                        "overloaded",
                        "Overloaded")
                .check(upstream, CLAUDE_PATH, provider, CLAUDE_REQUEST, KEY);
    }

    @Test
    void unknownModelIsNotReportedAsAKeyProblem() {
        ChatException e = ErrorRow.json("401 ModelError", 401, """
                {"type":"error","error":{"type":"ModelError","message":"Model glm-99 not supported"}}
                """, ChatException.ModelNotFound.class)
                .check(upstream, PATH, provider, REQUEST, KEY);

        assertThat(e).isNotInstanceOf(ChatException.UpstreamAuth.class);
        assertThat(e.getMessage()).doesNotContainIgnoringCase("key");
    }

    @Test
    void rateLimitKeepsRetryAfter() {
        ChatException e = ErrorRow.json("429", 429, """
                {"type":"error","error":{"type":"RateLimitError","message":"Rate limit exceeded."}}
                """, ChatException.RateLimited.class)
                .withHeader("retry-after", "30")
                .check(upstream, PATH, provider, REQUEST, KEY);

        assertThat(((ChatException.RateLimited) e).retryAfter()).contains("30");
    }
}
