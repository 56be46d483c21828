/**
 * JSON as plain Java trees (JSON-P underneath), so fields chatd does not model pass through
 * losslessly, and a path-aware view for reading them.
 *
 * @since 0.2
 */
package dev.chatd.kit.json;
