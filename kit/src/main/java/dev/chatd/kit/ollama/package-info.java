/**
 * Ollama's {@code /api/chat} format ({@value dev.chatd.kit.ollama.OllamaChatRequests#FORMAT}):
 * requests, whole replies, stream lines and tool calls, and the upstream stream reader; and
 * beside it {@code /api/generate} for clients (read as a chat) and {@code /api/show} both ways.
 *
 * @since 0.2
 */
package dev.chatd.kit.ollama;
