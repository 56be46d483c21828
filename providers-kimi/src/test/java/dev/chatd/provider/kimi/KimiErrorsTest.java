package dev.chatd.provider.kimi;

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

/** Kimi For Coding's error replies, in Moonshot's envelope {@code {"error":{"message":…,"type":…}}}. */
class KimiErrorsTest {
    private static final String KEY = "sk-canary-xyz";
    private static final String PATH = "/coding/v1/chat/completions";
    private static final ChatRequest REQUEST = ChatRequest.builder()
            .model("kimi-for-coding")
            .addMessage(Message.of(Role.USER, "Hi"))
            .build();
    private static final String REFUSED = """
            {"error":{"message":"Kimi For Coding is currently only available for Coding Agents such as Kimi CLI, Claude Code, Roo Code, Kilo Code, etc.","type":"access_terminated_error"}}
            """;

    private FakeUpstream upstream;
    private ChatProvider provider;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start();
        provider = new KimiProviderFactory()
                .create(TestProviderContext.of("kimi", URI.create(upstream.baseUrl() + "/coding/v1"), KEY))
                .orElseThrow();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    static Stream<ErrorRow> rows() {
        return Stream.of(
                ErrorRow.json(
                        "400 invalid request",
                        400,
                        """
                        {"error":{"message":"Invalid request: the message at position 0 with role 'user' must not be empty","type":"invalid_request_error"}}
                        """,
                        ChatException.UpstreamBadRequest.class,
                        "the message at position 0 with role 'user' must not be empty"),
                ErrorRow.json(
                        "401 wrong key, echoed",
                        401,
                        """
                        {"error":{"message":"Invalid Authentication: sk-canary-xyz","type":"invalid_authentication_error"}}
                        """,
                        ChatException.UpstreamAuth.class,
                        "Invalid Authentication: ****"),
                ErrorRow.json(
                        "403 access_terminated_error",
                        403,
                        REFUSED,
                        ChatException.UpstreamAuth.class,
                        "refused this client"),
                ErrorRow.json(
                        "404 unknown model, Moonshot style",
                        404,
                        """
                        {"error":{"message":"Not found the model kimi-k9 or Permission denied","type":"resource_not_found_error"}}
                        """,
                        ChatException.ModelNotFound.class,
                        "Not found the model kimi-k9"),
                ErrorRow.json(
                        "404 unknown model, OpenAI style",
                        404,
                        """
                        {"error":{"message":"The model `kimi-k9` does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}
                        """,
                        ChatException.ModelNotFound.class,
                        "The model `kimi-k9` does not exist"),
                ErrorRow.json("429 quota", 429, """
                        {"error":{"message":"Your account org-1 request reached organization max RPM: 20","type":"exceeded_current_quota_error"}}
                        """, ChatException.RateLimited.class, "reached organization max RPM")
                        .withHeader("Retry-After", "5"),
                ErrorRow.json("500", 500, """
                        {"error":{"message":"internal server error","type":"server_error"}}
                        """, ChatException.UpstreamFailure.class, "internal server error"),
                ErrorRow.json("502", 502, """
                        {"error":{"message":"bad gateway","type":"server_error"}}
                        """, ChatException.UpstreamFailure.class, "bad gateway"),
                ErrorRow.json("503 overloaded", 503, """
                        {"error":{"message":"The engine is currently overloaded, please try again later","type":"engine_overloaded_error"}}
                        """, ChatException.UpstreamFailure.class, "currently overloaded"),
                ErrorRow.other(
                        "200 with an HTML body",
                        200,
                        "text/html",
                        "<html><body><h1>Kimi</h1>token sk-canary-xyz</body></html>",
                        ChatException.UpstreamFailure.class,
                        "not JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void errorReplyBecomesTheRightChatException(ErrorRow row) {
        row.check(upstream, PATH, provider, REQUEST, KEY);
    }

    @Test
    void refusedClientIsToldWhyAndThatRetryingWillNotHelp() {
        ChatException e = ErrorRow.json("403", 403, REFUSED, ChatException.UpstreamAuth.class)
                .check(upstream, PATH, provider, REQUEST, KEY);

        assertThat(e.getMessage())
                .contains("kimi refused this client")
                .containsIgnoringCase("retrying will not help")
                .contains("User-Agent")
                .doesNotContain("check the provider's key");
        assertThat(upstream.requests()).as("chatd does not retry a refusal").hasSize(1);
        assertThat(upstream.lastRequest().header("User-Agent")).startsWith("chatd/");
    }

    @Test
    void rateLimitKeepsRetryAfter() {
        ChatException e = ErrorRow.json("429", 429, """
                {"error":{"message":"rate limited","type":"exceeded_current_quota_error"}}
                """, ChatException.RateLimited.class)
                .withHeader("Retry-After", "5")
                .check(upstream, PATH, provider, REQUEST, KEY);

        assertThat(((ChatException.RateLimited) e).retryAfter()).contains("5");
    }
}
