package dev.chatd.bench;

import dev.chatd.api.ChatChunk;
import dev.chatd.api.ChatException;
import dev.chatd.api.ChatRequest;
import dev.chatd.api.ChatResponse;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.ModelRouter;
import dev.chatd.core.ProviderDiscovery;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.kit.json.JsonObjectView;
import dev.chatd.kit.ollama.OllamaChatReplies;
import dev.chatd.kit.ollama.OllamaChatRequests;
import dev.chatd.kit.openai.OpenAiChatChunks;
import dev.chatd.kit.openai.OpenAiChatReplies;
import dev.chatd.kit.openai.OpenAiChatRequests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The work chatd does per request besides the network: route the model name, decode the
 * caller's body, encode the upstream's body, decode the upstream's reply, encode the caller's
 * reply. {@code bench/jmh-gc.sh} runs them with JMH's GC profiler and prints time and bytes
 * allocated per operation for a 160 B and a 64 KiB body ({@code java -jar
 * benchmarks/target/benchmarks.jar -prof gc} is the same by hand).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {

    /** Request body size in bytes: a short prompt, a few turns, a long chat history. */
    @Param({"160", "4096", "65536"})
    public int size;

    private byte[] requestBody;
    private ChatRequest request;
    private byte[] openAiReply;
    private byte[] ollamaReply;
    private ChatResponse response;
    private ModelRouter router;
    private ChatChunk chunk;

    @Setup
    public void setUp() {
        List<ChatProviderFactory> factories = ProviderDiscovery.discover(HotPathBenchmark.class.getClassLoader());
        router = new ModelRouter(factories, "ollama");
        requestBody = requestOfSize(size).getBytes(StandardCharsets.UTF_8);
        request = decodeRequest();
        openAiReply = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},
                 "finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}""".getBytes(StandardCharsets.UTF_8);
        ollamaReply = """
                {"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant",
                 "content":"Hello! How can I help you today?"},"done":true,"done_reason":"stop",
                 "total_duration":1000,"prompt_eval_count":12,"eval_count":9}""".getBytes(StandardCharsets.UTF_8);
        response = OpenAiChatReplies.decodeChat(JsonCodec.parse(openAiReply), "openrouter");
        chunk = ChatChunk.text("Hello");
    }

    static String requestOfSize(int size) {
        StringBuilder messages = new StringBuilder();
        int turns = size / 2000 + 1;
        int per = Math.max(16, size / turns - 40);
        for (int i = 0; i < turns; i++) {
            if (i > 0) {
                messages.append(',');
            }
            messages.append("{\"role\":\"")
                    .append(i % 2 == 0 ? "user" : "assistant")
                    .append("\",\"content\":\"")
                    .append("a".repeat(per))
                    .append("\"}");
        }
        return "{\"model\":\"openrouter/openai/gpt-4o\",\"messages\":[" + messages + "],\"temperature\":0.2}";
    }

    @Benchmark
    public ModelRouter.Target route() {
        return router.route("openrouter/openai/gpt-4o");
    }

    @Benchmark
    public ModelRouter.Target routeCloudSuffix() {
        return router.route("gpt-oss:120b-cloud");
    }

    @Benchmark
    public ChatRequest decodeRequest() {
        return OpenAiChatRequests.decodeRequest(
                JsonObjectView.of(JsonCodec.parse(requestBody), "body", ChatException.InvalidRequest::new));
    }

    @Benchmark
    public byte[] encodeUpstreamOpenAi() {
        return JsonCodec.write(OpenAiChatRequests.encodeChat(request.withModel("openai/gpt-4o"), false));
    }

    @Benchmark
    public byte[] encodeUpstreamOllama() {
        return JsonCodec.write(OllamaChatRequests.encodeChat(request.withModel("llama3.2"), false));
    }

    @Benchmark
    public ChatResponse decodeResponseOpenAi() {
        return OpenAiChatReplies.decodeChat(JsonCodec.parse(openAiReply), "openrouter");
    }

    @Benchmark
    public ChatResponse decodeResponseOllama() {
        return OllamaChatReplies.decodeChat(JsonCodec.parse(ollamaReply), "ollama");
    }

    @Benchmark
    public byte[] encodeResponseOpenAi() {
        return JsonCodec.write(
                OpenAiChatReplies.encodeResponse("chatcmpl-1", 1700000000L, "openrouter/openai/gpt-4o", response));
    }

    @Benchmark
    public byte[] encodeStreamChunk() {
        return JsonCodec.write(OpenAiChatChunks.encodeChunk(
                "chatcmpl-1", 1700000000L, "openrouter/openai/gpt-4o", OpenAiChatChunks.encodeDelta(chunk), null));
    }
}
