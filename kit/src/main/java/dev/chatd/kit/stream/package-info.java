/**
 * What every format's upstream stream reader shares: pulling chunks from a line-by-line body,
 * and putting streamed tool calls back together.
 *
 * @since 0.2
 */
package dev.chatd.kit.stream;
