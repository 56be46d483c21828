package dev.chatd.api;

/**
 * A piece of a streamed tool call. The first piece for an index carries the id and name; later
 * pieces carry only fragments of the JSON arguments, to be concatenated in order.
 */
public record ToolCallDelta(int index, String id, String name, String argumentsFragment) {}
