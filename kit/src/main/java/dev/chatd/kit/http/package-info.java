/**
 * A provider's way to its upstream over the host's {@link dev.chatd.api.spi.Transport}: base URL,
 * headers and the Bearer key, JSON bodies, key redaction, whole and streamed replies, and the one
 * mapping of an upstream's error reply to a {@link dev.chatd.api.ChatException}.
 *
 * @since 0.2
 */
package dev.chatd.kit.http;
