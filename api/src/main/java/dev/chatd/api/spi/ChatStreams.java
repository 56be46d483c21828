package dev.chatd.api.spi;

import dev.chatd.api.ToolCall;
import dev.chatd.api.ToolCallDelta;
import java.util.ArrayList;
import java.util.List;

final class ChatStreams {
    private ChatStreams() {}

    static List<ToolCallDelta> deltasOf(List<ToolCall> calls) {
        List<ToolCallDelta> deltas = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            ToolCall call = calls.get(i);
            deltas.add(new ToolCallDelta(i, call.id(), call.name(), call.arguments()));
        }
        return deltas;
    }
}
