package dev.chatd.kit.stream;

import dev.chatd.api.ToolCall;
import dev.chatd.api.ToolCallDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts streamed tool calls back together by index: the first delta of an index brings the id
 * and the name, later ones bring fragments of the arguments, in order.
 */
public final class ToolCallAssembler {
    private final Map<Integer, Partial> calls = new TreeMap<>();

    private static final class Partial {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
    }

    public void add(List<ToolCallDelta> deltas) {
        for (ToolCallDelta delta : deltas) {
            Partial call = calls.computeIfAbsent(delta.index(), i -> new Partial());
            if (delta.id() != null) {
                call.id = delta.id();
            }
            if (delta.name() != null) {
                call.name = delta.name();
            }
            if (delta.argumentsFragment() != null) {
                call.arguments.append(delta.argumentsFragment());
            }
        }
    }

    public boolean isEmpty() {
        return calls.isEmpty();
    }

    /** The calls so far, in index order; a call whose name never came is left out. */
    public List<ToolCall> calls() {
        List<ToolCall> done = new ArrayList<>(calls.size());
        for (Partial call : calls.values()) {
            if (call.name != null) {
                done.add(new ToolCall(call.id, call.name, call.arguments.toString()));
            }
        }
        return done;
    }
}
