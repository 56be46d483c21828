/**
 * The OpenAI chat-completions format ({@value dev.chatd.kit.openai.OpenAiChatRequests#FORMAT}):
 * requests, whole replies, stream chunks and tool calls, each both ways; the upstream stream
 * reader; and {@link dev.chatd.kit.openai.OpenAiCompatibleProvider}, with hooks for what one
 * upstream does differently.
 *
 * @since 0.2
 */
package dev.chatd.kit.openai;
