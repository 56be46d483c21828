/**
 * OpenAI's Responses format ({@value dev.chatd.kit.responses.ResponsesRequests#FORMAT},
 * {@code POST /v1/responses}): requests, whole replies, the client-side stream events and the
 * upstream stream reader, each both ways where there are two. Messages read from a Responses
 * client keep their input items verbatim ({@link dev.chatd.api.Message.Verbatim}), so that a
 * Responses-format upstream receives reasoning items (with their {@code encrypted_content}),
 * item ids and {@code strict} tools unchanged. chatd keeps no conversation state: a request that
 * refers to a stored response or conversation is refused.
 *
 * @since 0.3
 */
package dev.chatd.kit.responses;
