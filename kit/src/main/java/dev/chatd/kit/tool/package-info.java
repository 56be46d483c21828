/**
 * What every format's tool-call handling shares: ids for calls that came without one, and
 * matching a tool result to the call it answers when the result names only the function.
 *
 * @since 0.3
 */
package dev.chatd.kit.tool;
