package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.ContentPart;
import dev.chatd.api.FinishReason;
import dev.chatd.api.Message;
import dev.chatd.api.Role;
import dev.chatd.api.ToolCall;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.api.Usage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pass that gives every tool call an id, on the odd streams real upstreams send. */
class IdentifiedToolCallsTest {
    private static final String GENERATED_ID = "call_[0-9A-Za-z]{24}";

    @Test
    void aResponseWhoseCallsAllHaveIdsIsLeftAlone() {
        ChatResponse response = response(new ToolCall("call_up", "f", "{}"));

        assertThat(IdentifiedToolCalls.of(response)).isSameAs(response);
    }

    @Test
    void aResponseKeepsEverythingButGainsIds() {
        ChatResponse identified = IdentifiedToolCalls.of(
                response(new ToolCall(null, "f", "{\"a\":1}"), new ToolCall("call_up", "g", "{}")));

        List<ToolCall> calls = identified.message().toolCalls();
        assertThat(calls.get(0).id()).matches(GENERATED_ID);
        assertThat(calls.get(0).arguments()).isEqualTo("{\"a\":1}");
        assertThat(calls.get(1).id()).isEqualTo("call_up");
        assertThat(identified.message().text()).isEqualTo("thinking aloud");
        assertThat(identified.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(identified.usage()).isEqualTo(Usage.of(3, 4));
    }

    @Test
    void aChunkThatGainsAnIdKeepsItsReasoningSignatureAndRedactedReasoning() {
        ChatChunk signed = new ChatChunk(
                null, null, List.of(new ToolCallDelta(0, null, "f", "{}")), null, null, 0, null, "sig==", "opaque");

        List<ChatChunk> out = relay(signed, ChatChunk.finish(FinishReason.TOOL_CALLS, null));

        assertThat(out.get(0).toolCalls().getFirst().id()).matches(GENERATED_ID);
        assertThat(out.get(0).reasoningSignature()).isEqualTo("sig==");
        assertThat(out.get(0).redactedReasoning()).isEqualTo("opaque");
    }

    @Test
    void anIdThatComesAfterTheNameDoesNotChangeTheOneGiven() {
        List<ChatChunk> out = relay(
                tools(new ToolCallDelta(0, null, "f", "{\"a\"")),
                tools(new ToolCallDelta(0, "call_late", null, ":1}")),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));

        String first = out.get(0).toolCalls().getFirst().id();
        assertThat(first).matches(GENERATED_ID);
        assertThat(out.get(1).toolCalls().getFirst().id()).isEqualTo(first);
    }

    @Test
    void anUpstreamThatRepeatsItsIdKeepsIt() {
        List<ChatChunk> out = relay(
                tools(new ToolCallDelta(0, "call_up", "f", "")),
                tools(new ToolCallDelta(0, "call_up", null, "{}")),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));

        assertThat(out.get(0).toolCalls()).containsExactly(new ToolCallDelta(0, "call_up", "f", ""));
        assertThat(out.get(1).toolCalls()).containsExactly(new ToolCallDelta(0, "call_up", null, "{}"));
    }

    @Test
    void piecesBeforeTheNameAreHeldAndSentWithIt() {
        List<ChatChunk> out = relay(
                new ChatChunk(
                        "Let me look. ", null, List.of(new ToolCallDelta(0, "call_up", null, "{\"a\"")), null, null),
                tools(new ToolCallDelta(0, null, "f", ":1")),
                tools(new ToolCallDelta(0, null, null, "}")),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));

        assertThat(out.get(0).content()).isEqualTo("Let me look. ");
        assertThat(out.get(0).toolCalls()).isEmpty();
        assertThat(out.get(1).toolCalls()).containsExactly(new ToolCallDelta(0, "call_up", "f", "{\"a\":1"));
        assertThat(out.get(2).toolCalls()).containsExactly(new ToolCallDelta(0, null, null, "}"));
        assertThat(out).hasSize(4);
    }

    @Test
    void aChunkOfNothingButHeldPiecesIsNotSent() {
        List<ChatChunk> out = relay(
                tools(new ToolCallDelta(0, null, null, "{")),
                tools(new ToolCallDelta(0, null, "f", "}")),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));

        assertThat(out).hasSize(2);
        ToolCallDelta first = out.get(0).toolCalls().getFirst();
        assertThat(first.id()).matches(GENERATED_ID);
        assertThat(first.name()).isEqualTo("f");
        assertThat(first.argumentsFragment()).isEqualTo("{}");
    }

    @Test
    void callsOfDifferentIndexesGetDifferentIds() {
        List<ChatChunk> out = relay(
                tools(new ToolCallDelta(0, null, "f", "{}"), new ToolCallDelta(1, null, "g", "{}")),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));

        List<ToolCallDelta> calls = out.get(0).toolCalls();
        assertThat(calls).extracting(ToolCallDelta::id).doesNotContainNull().doesNotHaveDuplicates();
    }

    @Test
    void eachChoiceHasCallsOfItsOwn() {
        List<ChatChunk> out = relay(
                tools(new ToolCallDelta(0, null, "f", "{}")),
                new ChatChunk(null, null, List.of(new ToolCallDelta(0, null, "f", "{}")), null, null, 1, null),
                new ChatChunk(null, null, List.of(new ToolCallDelta(0, null, null, " ")), null, null, 1, null),
                ChatChunk.finish(FinishReason.TOOL_CALLS, null));

        String first = out.get(0).toolCalls().getFirst().id();
        String second = out.get(1).toolCalls().getFirst().id();
        assertThat(second).matches(GENERATED_ID).isNotEqualTo(first);
        assertThat(out.get(1).index()).isEqualTo(1);
        assertThat(out.get(2).toolCalls().getFirst().id()).isNull();
        assertThat(out.get(2).toolCalls().getFirst().name()).isNull();
    }

    @Test
    void everyChoiceOfAResponseGetsIds() {
        ChatResponse.Choice first =
                response(new ToolCall(null, "f", "{}")).choices().getFirst();
        ChatResponse.Choice second =
                response(new ToolCall(null, "g", "{}")).choices().getFirst();

        ChatResponse identified =
                IdentifiedToolCalls.of(new ChatResponse("r1", "m", List.of(first, second), Usage.NONE));

        assertThat(identified.choices())
                .hasSize(2)
                .allSatisfy(choice ->
                        assertThat(choice.message().toolCalls().getFirst().id()).matches(GENERATED_ID));
    }

    @Test
    void closingClosesTheUpstream() {
        Listed upstream = new Listed(List.of(ChatChunk.text("hi")));
        IdentifiedToolCalls.of(upstream).close();

        assertThat(upstream.closed).isTrue();
    }

    private static ChatResponse response(ToolCall... calls) {
        Message message = new Message(
                Role.ASSISTANT,
                List.of(new ContentPart.Text("thinking aloud")),
                null,
                List.of(calls),
                null,
                null,
                Map.of());
        return new ChatResponse("r1", "m", message, FinishReason.TOOL_CALLS, Usage.of(3, 4));
    }

    private static ChatChunk tools(ToolCallDelta... deltas) {
        return new ChatChunk(null, null, List.of(deltas), null, null);
    }

    private static List<ChatChunk> relay(ChatChunk... chunks) {
        List<ChatChunk> out = new ArrayList<>();
        try (ChatStream stream = IdentifiedToolCalls.of(new Listed(List.of(chunks)))) {
            stream.forEachRemaining(out::add);
        }
        return out;
    }

    /** A stream of given chunks. */
    private static final class Listed implements ChatStream {
        private final Iterator<ChatChunk> chunks;
        boolean closed;

        Listed(List<ChatChunk> chunks) {
            this.chunks = chunks.iterator();
        }

        @Override
        public boolean hasNext() {
            return chunks.hasNext();
        }

        @Override
        public ChatChunk next() {
            return chunks.next();
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
