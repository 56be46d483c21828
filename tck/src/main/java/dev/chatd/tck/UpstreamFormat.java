package dev.chatd.tck;

/**
 * The wire format a provider's upstream speaks, which decides how {@link ProviderContract}
 * scripts the {@link FakeUpstream}: its paths, its reply bodies and its stream framing.
 */
public enum UpstreamFormat {
    /** OpenAI chat completions: {@code /chat/completions}, {@code /models}, SSE streams. */
    OPENAI_CHAT("/chat/completions", "/models"),
    /** Ollama: {@code /api/chat}, {@code /api/tags}, NDJSON streams. */
    OLLAMA("/api/chat", "/api/tags");

    private final String chatPath;
    private final String modelsPath;

    UpstreamFormat(String chatPath, String modelsPath) {
        this.chatPath = chatPath;
        this.modelsPath = modelsPath;
    }

    /** The chat endpoint, relative to the base URL. */
    public String chatPath() {
        return chatPath;
    }

    /** The model-listing endpoint, relative to the base URL. */
    public String modelsPath() {
        return modelsPath;
    }

    /** A complete non-streamed reply: one assistant message ({@code messageJson}) and its usage. */
    public String reply(String model, String messageJson, String finishReason, int prompt, int completion) {
        return switch (this) {
            case OPENAI_CHAT ->
                """
                    {"id":"chatcmpl-123","object":"chat.completion","created":1700000000,"model":"%s",
                     "choices":[{"index":0,"message":%s,"finish_reason":"%s"}],
                     "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}
                    """.formatted(model, messageJson, finishReason, prompt, completion, prompt + completion);
            case OLLAMA -> """
                    {"model":"%s","created_at":"2025-01-01T00:00:00Z","message":%s,"done":true,
                     "done_reason":"%s","prompt_eval_count":%d,"eval_count":%d}
                    """.formatted(model, messageJson, finishReason, prompt, completion);
        };
    }

    /** A streamed answer in this format: {@code pieces} of text, then a stop with usage. */
    public FakeUpstream.StreamScript stream(String model, String... pieces) {
        FakeUpstream.StreamScript script = this == OPENAI_CHAT ? FakeUpstream.sse() : FakeUpstream.ndjson();
        for (String piece : pieces) {
            script = this == OPENAI_CHAT
                    ? script.events("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model
                            + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece
                            + "\"},\"finish_reason\":null}]}")
                    : script.lines("{\"model\":\"" + model + "\",\"message\":{\"role\":\"assistant\",\"content\":\""
                            + piece + "\"},\"done\":false}");
        }
        return this == OPENAI_CHAT
                ? script.events("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model
                                + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}")
                        .done()
                : script.lines("{\"model\":\"" + model + "\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":7,\"eval_count\":3}");
    }

    /** One never-ending piece of a stream, for cancellation tests. */
    public String streamPiece(String model) {
        return this == OPENAI_CHAT
                ? "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model
                        + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick \"},\"finish_reason\":null}]}\n\n"
                : "{\"model\":\"" + model
                        + "\",\"message\":{\"role\":\"assistant\",\"content\":\"tick \"},\"done\":false}\n";
    }

    /** A model list naming {@code ids}. */
    public String models(String... ids) {
        StringBuilder list = new StringBuilder();
        for (String id : ids) {
            if (!list.isEmpty()) {
                list.append(',');
            }
            list.append(
                    this == OPENAI_CHAT
                            ? "{\"id\":\"" + id + "\",\"object\":\"model\",\"owned_by\":\"someone\"}"
                            : "{\"name\":\"" + id + "\",\"model\":\"" + id + "\",\"size\":1234}");
        }
        return this == OPENAI_CHAT ? "{\"object\":\"list\",\"data\":[" + list + "]}" : "{\"models\":[" + list + "]}";
    }

    /** An error body carrying {@code message} in this format's usual envelope. */
    public String error(String message) {
        return this == OPENAI_CHAT
                ? "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\"}}"
                : "{\"error\":\"" + message + "\"}";
    }
}
