package dev.chatd.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat request in chatd's normalised form. Sampling fields are null when the caller did not
 * set them; {@link #extra()} holds every request field the model does not name, so that
 * upstreams speaking the caller's format receive it unchanged.
 *
 * @param model the model as the upstream should see it (after routing) or as the caller sent it
 * @param toolChoice OpenAI's {@code tool_choice} as a plain JSON tree, or null
 * @param responseFormat OpenAI's {@code response_format} as a plain JSON tree, or null
 * @param n how many choices the caller wants, or null for one
 * @param logprobs whether to return the log probabilities of the output tokens, or null
 * @param topLogprobs how many of the likeliest tokens to return at each place, or null
 * @param reasoningEffort how hard a reasoning model should think: OpenAI's
 *     {@code reasoning_effort} ({@code none}, {@code minimal}, {@code low}, {@code medium},
 *     {@code high}), or null to leave it to the model
 * @param extraFormat the name of the wire format {@link #extra()} was written in, as its codec
 *     names it ({@code "openai-chat"}, {@code "ollama"}, or a third party's); an upstream codec
 *     forwards extras only in a format it knows takes them. Null for extras tied to no format
 *     (a request built in code), which every upstream codec forwards.
 */
public record ChatRequest(
        String model,
        List<Message> messages,
        Double temperature,
        Double topP,
        Integer maxTokens,
        List<String> stop,
        Long seed,
        List<Tool> tools,
        Object toolChoice,
        Object responseFormat,
        Integer n,
        Boolean logprobs,
        Integer topLogprobs,
        String reasoningEffort,
        Map<String, Object> extra,
        String extraFormat) {

    public ChatRequest {
        Objects.requireNonNull(model, "model");
        messages = List.copyOf(messages);
        stop = stop == null ? List.of() : List.copyOf(stop);
        tools = tools == null ? List.of() : List.copyOf(tools);
        extra = JsonTrees.copyOf(extra);
    }

    /** A request without choice count, log probabilities or reasoning effort. */
    public ChatRequest(
            String model,
            List<Message> messages,
            Double temperature,
            Double topP,
            Integer maxTokens,
            List<String> stop,
            Long seed,
            List<Tool> tools,
            Object toolChoice,
            Object responseFormat,
            Map<String, Object> extra,
            String extraFormat) {
        this(
                model,
                messages,
                temperature,
                topP,
                maxTokens,
                stop,
                seed,
                tools,
                toolChoice,
                responseFormat,
                null,
                null,
                null,
                null,
                extra,
                extraFormat);
    }

    /** A request whose extras are tied to no wire format. */
    public ChatRequest(
            String model,
            List<Message> messages,
            Double temperature,
            Double topP,
            Integer maxTokens,
            List<String> stop,
            Long seed,
            List<Tool> tools,
            Object toolChoice,
            Object responseFormat,
            Map<String, Object> extra) {
        this(model, messages, temperature, topP, maxTokens, stop, seed, tools, toolChoice, responseFormat, extra, null);
    }

    /** The same request for another model name: what routing hands the upstream. */
    public ChatRequest withModel(String upstreamModel) {
        return new ChatRequest(
                upstreamModel,
                messages,
                temperature,
                topP,
                maxTokens,
                stop,
                seed,
                tools,
                toolChoice,
                responseFormat,
                n,
                logprobs,
                topLogprobs,
                reasoningEffort,
                extra,
                extraFormat);
    }

    /**
     * The same request with its extras tied to no format, so that every upstream receives them
     * (the operator's {@code chatd.forward-foreign-fields}).
     *
     * @since 0.3
     */
    public ChatRequest withExtrasForEveryFormat() {
        return new ChatRequest(
                model,
                messages,
                temperature,
                topP,
                maxTokens,
                stop,
                seed,
                tools,
                toolChoice,
                responseFormat,
                n,
                logprobs,
                topLogprobs,
                reasoningEffort,
                extra,
                null);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ChatRequest}; model and at least one message are required. */
    public static final class Builder {
        private String model;
        private final List<Message> messages = new ArrayList<>();
        private Double temperature;
        private Double topP;
        private Integer maxTokens;
        private List<String> stop = List.of();
        private Long seed;
        private List<Tool> tools = List.of();
        private Object toolChoice;
        private Object responseFormat;
        private Integer n;
        private Boolean logprobs;
        private Integer topLogprobs;
        private String reasoningEffort;
        private Map<String, Object> extra = Map.of();
        private String extraFormat;

        private Builder() {}

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder addMessage(Message message) {
            messages.add(Objects.requireNonNull(message));
            return this;
        }

        public Builder messages(List<Message> messages) {
            this.messages.clear();
            this.messages.addAll(messages);
            return this;
        }

        public Builder temperature(Double temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder topP(Double topP) {
            this.topP = topP;
            return this;
        }

        public Builder maxTokens(Integer maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder stop(List<String> stop) {
            this.stop = stop;
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder tools(List<Tool> tools) {
            this.tools = tools;
            return this;
        }

        public Builder toolChoice(Object toolChoice) {
            this.toolChoice = toolChoice;
            return this;
        }

        public Builder responseFormat(Object responseFormat) {
            this.responseFormat = responseFormat;
            return this;
        }

        public Builder n(Integer n) {
            this.n = n;
            return this;
        }

        public Builder logprobs(Boolean logprobs) {
            this.logprobs = logprobs;
            return this;
        }

        public Builder topLogprobs(Integer topLogprobs) {
            this.topLogprobs = topLogprobs;
            return this;
        }

        public Builder reasoningEffort(String reasoningEffort) {
            this.reasoningEffort = reasoningEffort;
            return this;
        }

        public Builder extra(Map<String, Object> extra) {
            this.extra = extra;
            return this;
        }
        /** Extras as written in the format named {@code format} (see {@link ChatRequest#extraFormat()}). */
        public Builder extra(Map<String, Object> extra, String format) {
            this.extra = extra;
            this.extraFormat = format;
            return this;
        }

        public ChatRequest build() {
            return new ChatRequest(
                    model,
                    messages,
                    temperature,
                    topP,
                    maxTokens,
                    stop,
                    seed,
                    tools,
                    toolChoice,
                    responseFormat,
                    n,
                    logprobs,
                    topLogprobs,
                    reasoningEffort,
                    extra,
                    extraFormat);
        }
    }
}
