/**
 * Anthropic's Messages format ({@value dev.chatd.kit.anthropic.AnthropicMessagesRequests#FORMAT}):
 * requests (with an input-token estimate), whole replies, the client-side stream events and the
 * upstream stream reader, and the error envelope, each both ways where there are two.
 * Messages read from an Anthropic client keep their blocks verbatim
 * ({@link dev.chatd.api.Message.Verbatim}), so that an Anthropic-format upstream receives
 * thinking signatures, {@code redacted_thinking} and {@code cache_control} unchanged.
 *
 * @since 0.3
 */
package dev.chatd.kit.anthropic;
