package dev.chatd.kit.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatException;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.json.JsonCodec;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Anthropic's error envelope, both ways. */
class AnthropicErrorsTest {

    @ParameterizedTest
    @CsvSource({
        "400, invalid_request_error",
        "422, invalid_request_error",
        "401, authentication_error",
        "403, permission_error",
        "404, not_found_error",
        "413, request_too_large",
        "429, rate_limit_error",
        "500, api_error",
        "502, api_error",
        "504, api_error",
        "529, overloaded_error"
    })
    void eachStatusHasItsType(int status, String type) {
        assertThat(AnthropicErrors.errorType(status)).isEqualTo(type);
    }

    @Test
    void theEnvelopeIsAnthropics() {
        assertThat(JsonCodec.writeString(AnthropicErrors.envelope("rate_limit_error", "slow down")))
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}");
    }

    @Test
    void anUpstreamsEnvelopeReadsAsItsMessage() {
        Object body = JsonCodec.parse(
                "{\"type\":\"error\",\"error\":{\"type\":\"AuthError\",\"message\":\"Missing API key.\"}}");
        assertThat(UpstreamErrors.messageOf(body)).isEqualTo("Missing API key.");
        assertThat(UpstreamErrors.errorText(((Map<?, ?>) body).get("error"))).isEqualTo("Missing API key.");
    }

    @Test
    void eachTypeIsTheExceptionThatSaysWhatToDo() {
        assertThat(AnthropicErrors.toException("p", "invalid_request_error", "bad", null))
                .isInstanceOf(ChatException.UpstreamBadRequest.class);
        assertThat(AnthropicErrors.toException("p", "request_too_large", "big", null))
                .isInstanceOf(ChatException.UpstreamBadRequest.class);
        assertThat(AnthropicErrors.toException("p", "authentication_error", "key", null))
                .isInstanceOf(ChatException.UpstreamAuth.class);
        assertThat(AnthropicErrors.toException("p", "permission_error", "no", null))
                .isInstanceOf(ChatException.UpstreamAuth.class);
        assertThat(AnthropicErrors.toException("p", "not_found_error", "model", null))
                .isInstanceOf(ChatException.ModelNotFound.class);
        ChatException limited = AnthropicErrors.toException("p", "rate_limit_error", "slow", "7");
        assertThat(limited).isInstanceOf(ChatException.RateLimited.class);
        assertThat(((ChatException.RateLimited) limited).retryAfter()).contains("7");
        assertThat(AnthropicErrors.toException("p", "overloaded_error", "Overloaded", null))
                .isInstanceOf(ChatException.UpstreamOverloaded.class)
                .hasMessageContaining("overloaded");
        assertThat(AnthropicErrors.toException("p", "api_error", "oops", null))
                .isInstanceOf(ChatException.UpstreamFailure.class);
    }
}
