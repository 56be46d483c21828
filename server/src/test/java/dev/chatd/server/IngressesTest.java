package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which API's error envelope a path gets: the mount that claims it most precisely, else native. */
class IngressesTest {
    private final Ingresses ingresses = new Ingresses(
            Ingresses.standard(null, null, new RecentModels()),
            null,
            new RecentModels(),
            1024,
            Duration.ofSeconds(1),
            false);

    @Test
    void eachPathGetsTheCodecMountedAtIt() {
        assertThat(ingresses.codecFor("/v1/chat/completions").name()).isEqualTo("openai-chat");
        assertThat(ingresses.codecFor("/v1/chat/completions/extra").name()).isEqualTo("openai-chat");
        assertThat(ingresses.codecFor("/v1/models").name()).isEqualTo("openai-chat");
        assertThat(ingresses.codecFor("/api/chat").name()).isEqualTo("ollama");
        assertThat(ingresses.codecFor("/api/nosuch").name()).isEqualTo("ollama");
        assertThat(ingresses.codecFor("/api/generate").name()).isEqualTo("ollama-generate");
        assertThat(ingresses.codecFor("/chat").name()).isEqualTo("native");
        assertThat(ingresses.codecFor("/v1/chat").name()).isEqualTo("native");
        assertThat(ingresses.codecFor("/v1/messages").name()).isEqualTo("anthropic-messages");
        assertThat(ingresses.codecFor("/v1/messages/batches").name()).isEqualTo("anthropic-messages");
        assertThat(ingresses.codecFor("/v1/messages/count_tokens").name()).isEqualTo("anthropic-count-tokens");
        assertThat(ingresses.codecFor("/v1/responses").name()).isEqualTo("openai-responses");
        assertThat(ingresses.codecFor("/v1/responses/resp_1/input_items").name())
                .isEqualTo("openai-responses");
    }

    @Test
    void aPathNobodyClaimsGetsTheNativeEnvelope() {
        assertThat(ingresses.codecFor("/health").name()).isEqualTo("native");
        assertThat(ingresses.codecFor("/nosuch").name()).isEqualTo("native");
        assertThat(ingresses.codecFor("/v1/models/x").name()).isEqualTo("native");
        assertThat(ingresses.codecFor("/api").name()).isEqualTo("native");
    }

    @Test
    void anUnknownRouteListsTheEndpointsOfEveryMount() {
        assertThat(ingresses.served())
                .containsExactly(
                        "POST /chat",
                        "GET /chat/providers",
                        "POST /v1/chat/completions",
                        "GET /v1/models",
                        "POST /api/chat",
                        "POST /api/show",
                        "GET /api/tags",
                        "GET /api/ps",
                        "GET /api/version",
                        "POST /api/generate",
                        "POST /v1/messages",
                        "POST /v1/messages/count_tokens",
                        "POST /v1/responses");
    }
}
