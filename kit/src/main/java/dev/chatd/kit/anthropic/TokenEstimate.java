package dev.chatd.kit.anthropic;

import dev.chatd.api.ChatRequest;
import dev.chatd.api.ContentPart;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.Tool;
import dev.chatd.api.ToolCall;
import dev.chatd.kit.json.JsonCodec;

/** The input-token estimate behind {@link AnthropicMessagesRequests#estimateInputTokens}; the method is described there. */
final class TokenEstimate {
    static final double CHARS_PER_TOKEN = 3.5;
    static final int PER_MESSAGE = 3;
    static final int PER_TOOL = 8;
    /** Anthropic's documented tool-use system prompt for {@code auto}/{@code none} on current models. */
    static final int TOOL_USE_PROMPT = 346;

    static final int PER_IMAGE = 1600;

    private TokenEstimate() {}

    static int of(ChatRequest request) {
        long chars = 0;
        long fixed = 0;
        int lastAssistant = -1;
        for (int i = 0; i < request.messages().size(); i++) {
            if (request.messages().get(i).role() == Role.ASSISTANT) {
                lastAssistant = i;
            }
        }
        for (int i = 0; i < request.messages().size(); i++) {
            Message message = request.messages().get(i);
            fixed += PER_MESSAGE;
            for (ContentPart part : message.content()) {
                switch (part) {
                    case ContentPart.Text t -> chars += t.text().length();
                    case ContentPart.Image image -> fixed += PER_IMAGE;
                }
            }
            for (ToolCall call : message.toolCalls()) {
                chars += call.name().length() + call.arguments().length();
                fixed += PER_MESSAGE;
            }
            if (message.reasoning() != null && i == lastAssistant) {
                chars += message.reasoning().length();
            }
        }
        if (!request.tools().isEmpty()) {
            fixed += TOOL_USE_PROMPT;
        }
        for (Tool tool : request.tools()) {
            fixed += PER_TOOL;
            chars += tool.name().length();
            if (tool.description() != null) {
                chars += tool.description().length();
            }
            if (tool.parameters() != null) {
                chars += JsonCodec.writeString(tool.parameters()).length();
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, fixed + (long) Math.ceil(chars / CHARS_PER_TOKEN));
    }
}
