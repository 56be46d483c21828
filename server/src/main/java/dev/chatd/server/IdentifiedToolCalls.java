package dev.chatd.server;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.ChatStream;
import dev.chatd.api.Message;
import dev.chatd.api.ToolCall;
import dev.chatd.api.ToolCallDelta;
import dev.chatd.kit.tool.ToolCallIds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Supplier;

/**
 * Gives every tool call a client gets an id, whatever the ingress: the upstream's where it sent
 * one, else a generated one. Clients need it to answer the call (the OpenAI SDKs, LangChain and
 * LangChain4j refuse or mishandle a call without one), and Ollama before 0.12.10 sends none.
 *
 * <p>Every choice of an answer gets the same. In a stream, the first delta of each call (by
 * choice and index) carries its id and its name, as OpenAI's first delta does: a call's pieces
 * are held back until its name is known, then go out as one delta; later pieces carry the same
 * id when they carry one at all.
 */
final class IdentifiedToolCalls {
    private IdentifiedToolCalls() {}

    /** The response with an id on each tool call of each choice; the same response when every call has one. */
    static ChatResponse of(ChatResponse response) {
        return of(response, ToolCallIds::generate);
    }

    /** As {@link #of(ChatResponse)}, with ids in the client API's shape ({@code newId}). */
    static ChatResponse of(ChatResponse response, Supplier<String> newId) {
        boolean identified = response.choices().stream()
                .flatMap(choice -> choice.message().toolCalls().stream())
                .allMatch(call -> call.id() != null);
        if (identified) {
            return response;
        }
        List<ChatResponse.Choice> choices = new ArrayList<>(response.choices().size());
        for (ChatResponse.Choice choice : response.choices()) {
            choices.add(new ChatResponse.Choice(
                    identify(choice.message(), newId), choice.finishReason(), choice.logprobs()));
        }
        return new ChatResponse(response.id(), response.model(), choices, response.usage());
    }

    private static Message identify(Message m, Supplier<String> newId) {
        if (m.toolCalls().stream().allMatch(call -> call.id() != null)) {
            return m;
        }
        List<ToolCall> calls = new ArrayList<>(m.toolCalls().size());
        for (ToolCall call : m.toolCalls()) {
            calls.add(call.id() != null ? call : new ToolCall(newId.get(), call.name(), call.arguments()));
        }
        // The verbatim blocks stay: their encoder uses them only while they still agree with the calls.
        return new Message(
                m.role(), m.content(), m.name(), calls, m.toolCallId(), m.reasoning(), m.extra(), m.verbatim());
    }

    /** The stream with an id and a name on the first delta of each tool call. */
    static ChatStream of(ChatStream stream) {
        return of(stream, ToolCallIds::generate);
    }

    /** As {@link #of(ChatStream)}, with ids in the client API's shape ({@code newId}). */
    static ChatStream of(ChatStream stream, Supplier<String> newId) {
        return new Stream(stream, newId);
    }

    /** A streamed call: its index among the calls of the choice at {@code choice}. */
    private record CallKey(int choice, int call) {}

    /** What the stream knows of one call. */
    private static final class Call {
        String id;
        String name;
        StringBuilder heldArguments;
        boolean announced;
    }

    private static final class Stream implements ChatStream {
        private final ChatStream upstream;
        private final Map<CallKey, Call> calls = new HashMap<>();
        private final Supplier<String> newId;
        private ChatChunk pending;

        Stream(ChatStream upstream, Supplier<String> newId) {
            this.upstream = upstream;
            this.newId = newId;
        }

        @Override
        public boolean hasNext() {
            // A chunk that held nothing but a nameless call's first pieces has nothing to send.
            while (pending == null && upstream.hasNext()) {
                pending = identify(upstream.next());
            }
            return pending != null;
        }

        @Override
        public ChatChunk next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ChatChunk chunk = pending;
            pending = null;
            return chunk;
        }

        @Override
        public void close() {
            upstream.close();
        }

        /** The chunk with its tool-call deltas identified; null when nothing of it is left to send. */
        private ChatChunk identify(ChatChunk chunk) {
            if (chunk.toolCalls().isEmpty()) {
                return chunk;
            }
            List<ToolCallDelta> deltas = new ArrayList<>(chunk.toolCalls().size());
            for (ToolCallDelta delta : chunk.toolCalls()) {
                ToolCallDelta sent = identify(chunk.index(), delta);
                if (sent != null) {
                    deltas.add(sent);
                }
            }
            boolean empty = deltas.isEmpty()
                    && chunk.content() == null
                    && chunk.reasoning() == null
                    && chunk.finishReason() == null
                    && chunk.usage() == null
                    && chunk.logprobs() == null
                    && chunk.reasoningSignature() == null
                    && chunk.redactedReasoning() == null;
            return empty
                    ? null
                    : new ChatChunk(
                            chunk.content(),
                            chunk.reasoning(),
                            deltas,
                            chunk.finishReason(),
                            chunk.usage(),
                            chunk.index(),
                            chunk.logprobs(),
                            chunk.reasoningSignature(),
                            chunk.redactedReasoning());
        }

        /** The delta to send for one piece of a call, or null while the call's name is not known. */
        private ToolCallDelta identify(int choice, ToolCallDelta delta) {
            Call call = calls.computeIfAbsent(new CallKey(choice, delta.index()), k -> new Call());
            if (call.announced) {
                // An upstream that repeats the id, or sends it only now, must not change it.
                return delta.id() == null || delta.id().equals(call.id)
                        ? delta
                        : new ToolCallDelta(delta.index(), call.id, delta.name(), delta.argumentsFragment());
            }
            if (delta.id() != null) {
                call.id = delta.id();
            }
            if (delta.name() != null) {
                call.name = delta.name();
            }
            if (delta.argumentsFragment() != null) {
                if (call.heldArguments == null) {
                    call.heldArguments = new StringBuilder();
                }
                call.heldArguments.append(delta.argumentsFragment());
            }
            if (call.name == null) {
                return null; // a call without a name is no call; one that never gets one is dropped
            }
            call.announced = true;
            if (call.id == null) {
                call.id = newId.get();
            }
            String arguments = call.heldArguments == null ? null : call.heldArguments.toString();
            call.heldArguments = null;
            return new ToolCallDelta(delta.index(), call.id, call.name, arguments);
        }
    }
}
