/**
 * The host's {@link dev.chatd.api.spi.Transport}: Helidon's HTTP/1.1 client, a keep-alive pool per
 * upstream host, the reply and stream-line limits, and the budget all replies in flight share.
 * Providers never see this package; they get the transport from their context.
 */
package dev.chatd.core.transport;
