package dev.chatd.kit.responses;

import dev.chatd.api.ChatException;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.ToolCall;
import dev.chatd.api.Usage;
import dev.chatd.kit.http.UpstreamErrors;
import dev.chatd.kit.json.JsonObjectView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole Responses replies, both ways: reading a {@code response} from a Responses-format
 * upstream, and writing one for a Responses client.
 *
 * @since 0.3
 */
public final class ResponsesReplies {
    private ResponsesReplies() {}

    /**
     * Reads an upstream's {@code response}: {@code output_text} parts of message items as the
     * content, reasoning items' summaries as the reasoning, {@code function_call} items as tool
     * calls (the {@code call_id} as the id); the items themselves stay with the message
     * ({@link Message.Verbatim}), so that a Responses client gets reasoning items with their
     * {@code encrypted_content} back. {@code status: incomplete} is the length (or a content
     * filter, when {@code incomplete_details.reason} says so); tool calls finish with
     * {@code TOOL_CALLS}. A 200 with an {@code error}, or with {@code status: failed}, fails as a 502.
     */
    public static ChatResponse decodeReply(Object tree, String provider) {
        JsonObjectView reply = UpstreamErrors.successBody(tree, provider);
        String status = reply.string("status");
        if ("failed".equals(status) || "cancelled".equals(status)) {
            throw new ChatException.UpstreamFailure(provider + "'s response " + status);
        }
        List<Object> output = reply.array("output");
        if (output == null) {
            throw reply.fail(provider + "'s reply has no output");
        }
        Message message = null;
        for (Message read : ResponsesRequests.decodeItems(output, reply, "output", true)) {
            if (read.role() == Role.ASSISTANT) {
                message = read;
            }
        }
        if (message == null) {
            message = new Message(Role.ASSISTANT, List.of(), null, List.of(), null, null, Map.of());
        }
        FinishReason finish = finishReason(status, reply.object("incomplete_details"));
        if (finish == null) {
            finish = message.toolCalls().isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS;
        }
        return new ChatResponse(
                reply.string("id"), reply.string("model"), message, finish, usage(reply.object("usage")));
    }

    /**
     * The finish reason a response's {@code status} says: for {@code incomplete}, the content
     * filter when {@code incomplete_details.reason} is {@code content_filter}, else the length;
     * null for the rest, which the output decides.
     */
    static FinishReason finishReason(String status, JsonObjectView incompleteDetails) {
        if (!"incomplete".equals(status)) {
            return null;
        }
        String reason = incompleteDetails == null ? null : incompleteDetails.string("reason");
        return "content_filter".equals(reason) ? FinishReason.CONTENT_FILTER : FinishReason.LENGTH;
    }

    /** Usage from a Responses {@code usage}, with the cached input and reasoning tokens of its details. */
    public static Usage usage(JsonObjectView usage) {
        if (usage == null) {
            return Usage.NONE;
        }
        int input = orZero(usage.integer("input_tokens"));
        int output = orZero(usage.integer("output_tokens"));
        Integer total = usage.integer("total_tokens");
        JsonObjectView inputDetails = usage.object("input_tokens_details");
        JsonObjectView outputDetails = usage.object("output_tokens_details");
        return new Usage(input, output, total == null ? input + output : total, null)
                .withDetails(
                        inputDetails == null ? null : inputDetails.integer("cached_tokens"),
                        outputDetails == null ? null : outputDetails.integer("reasoning_tokens"));
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    /**
     * A {@code response} for a Responses client: a reasoning item (its summary) first, then a
     * message item with one {@code output_text} part, then a {@code function_call} item per call
     * (a call without an id gets a {@code call_…} one); an answer read from a Responses-format
     * upstream keeps its items as they were. {@code status} is {@code incomplete} for the length
     * or a content filter, with {@code incomplete_details}, else {@code completed}. The request
     * echo fields the SDKs' types require ({@code tools}, {@code tool_choice},
     * {@code parallel_tool_calls}, …) carry their defaults: chatd answers statelessly and does not
     * echo the request. {@code output_text} is left out, as OpenAI does: the SDKs compute it.
     *
     * @param id the response id, {@code resp_…} ({@link ResponsesIds#response()})
     * @param createdAt when the answer began, in seconds since the epoch
     * @param model the model as the client asked for it
     */
    public static Map<String, Object> encodeReply(String id, long createdAt, String model, ChatResponse response) {
        Message message = response.message();
        List<Object> output = ResponsesRequests.verbatim(message);
        if (output == null) {
            output = outputItems(message, response.finishReason());
        }
        return response(id, createdAt, model, response.finishReason(), output, null, response.usage());
    }

    private static List<Object> outputItems(Message message, FinishReason finish) {
        List<Object> items = new ArrayList<>();
        if (message.reasoning() != null && !message.reasoning().isEmpty()) {
            items.add(reasoningItem(ResponsesIds.reasoning(), message.reasoning(), null));
        }
        if (!message.text().isEmpty()) {
            items.add(messageItem(ResponsesIds.message(), message.text(), status(finish)));
        }
        for (ToolCall call : message.toolCalls()) {
            items.add(functionCallItem(
                    ResponsesIds.functionCall(),
                    call.id() != null ? call.id() : ResponsesIds.call(),
                    call.name(),
                    call.arguments(),
                    "completed"));
        }
        return items;
    }

    /** {@code incomplete} for the length or a content filter, else {@code completed}: a response's status and its message's. */
    static String status(FinishReason finish) {
        return finish == FinishReason.LENGTH || finish == FinishReason.CONTENT_FILTER ? "incomplete" : "completed";
    }

    static Map<String, Object> reasoningItem(String id, String summary, String encryptedContent) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", id);
        item.put("type", "reasoning");
        item.put("summary", summary == null || summary.isEmpty() ? List.of() : List.of(summaryPart(summary)));
        if (encryptedContent != null) {
            item.put("encrypted_content", encryptedContent);
        }
        return item;
    }

    static Map<String, Object> summaryPart(String text) {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("type", "summary_text");
        part.put("text", text);
        return part;
    }

    static Map<String, Object> messageItem(String id, String text, String status) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", id);
        item.put("type", "message");
        item.put("status", status);
        item.put("role", "assistant");
        item.put("content", text == null ? List.of() : List.of(outputText(text)));
        return item;
    }

    static Map<String, Object> outputText(String text) {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("type", "output_text");
        part.put("text", text);
        part.put("annotations", List.of());
        return part;
    }

    static Map<String, Object> functionCallItem(
            String id, String callId, String name, String arguments, String status) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", id);
        item.put("type", "function_call");
        item.put("status", status);
        item.put("arguments", arguments);
        item.put("call_id", callId);
        item.put("name", name);
        return item;
    }

    /**
     * The {@code response} object, as a whole reply and in the stream's lifecycle events.
     *
     * <p>Its {@code status} is {@code in_progress} without a finish, {@code failed} with an
     * error, else {@link #status}'s.
     *
     * @param finish why the answer ended, or null while in progress (or failed)
     * @param error the {@code error} of a failed response, or null
     * @param usage the usage, or null while in progress
     */
    static Map<String, Object> response(
            String id,
            long createdAt,
            String model,
            FinishReason finish,
            List<Object> output,
            Map<String, Object> error,
            Usage usage) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", "response");
        body.put("created_at", createdAt);
        body.put("status", error != null ? "failed" : finish == null ? "in_progress" : status(finish));
        body.put("error", error);
        body.put("incomplete_details", incompleteDetails(finish));
        body.put("instructions", null);
        body.put("max_output_tokens", null);
        body.put("model", model);
        body.put("output", output);
        body.put("parallel_tool_calls", true);
        body.put("previous_response_id", null);
        body.put("reasoning", reasoningEcho());
        body.put("store", false);
        body.put("temperature", null);
        body.put("text", Map.of("format", Map.of("type", "text")));
        body.put("tool_choice", "auto");
        body.put("tools", List.of());
        body.put("top_p", null);
        body.put("truncation", "disabled");
        body.put("usage", usage == null ? null : encodeUsage(usage));
        body.put("user", null);
        body.put("metadata", Map.of());
        return body;
    }

    private static Map<String, Object> reasoningEcho() {
        Map<String, Object> reasoning = new LinkedHashMap<>();
        reasoning.put("effort", null);
        reasoning.put("summary", null);
        return reasoning;
    }

    /** {@code incomplete_details} for a finish: the reason a response stopped short, or null when it did not. */
    private static Map<String, Object> incompleteDetails(FinishReason finish) {
        if (finish == FinishReason.LENGTH) {
            return Map.of("reason", "max_output_tokens");
        }
        return finish == FinishReason.CONTENT_FILTER ? Map.of("reason", "content_filter") : null;
    }

    /**
     * A Responses {@code usage}: input, output and total tokens, with {@code cached_tokens} and
     * {@code reasoning_tokens} in their details (0 where the upstream did not say, as the SDKs'
     * types want numbers there).
     */
    public static Map<String, Object> encodeUsage(Usage usage) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("input_tokens", usage.promptTokens());
        u.put("input_tokens_details", Map.of("cached_tokens", orZero(usage.cachedTokens())));
        u.put("output_tokens", usage.completionTokens());
        u.put("output_tokens_details", Map.of("reasoning_tokens", orZero(usage.reasoningTokens())));
        u.put("total_tokens", usage.totalTokens());
        return u;
    }
}
