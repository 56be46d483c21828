package dev.chatd.examples.openaicompatible;

import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import dev.chatd.kit.openai.OpenAiCompatibleProvider;
import java.util.Map;
import java.util.Optional;

/**
 * Any endpoint that speaks OpenAI chat completions: vLLM, llama.cpp's server, LM Studio, Groq,
 * DeepSeek... Operators declare one provider per endpoint, each under a name of its own:
 *
 * <pre>{@code
 * chatd:
 *   providers:
 *     groq: { type: openai-compatible, base-url: https://api.groq.com/openai/v1, key-env: GROQ_API_KEY }
 *     vllm: { type: openai-compatible, base-url: http://gpu-box:8000/v1 }
 * }</pre>
 *
 * A node with {@code key-env} sends that variable's key as a Bearer token; one without is
 * keyless. Under its own name ({@code openai-compatible/...}) it is registered only when
 * configured so, at vLLM's default address unless {@code base-url} says otherwise.
 */
public final class OpenAiCompatibleProviderFactory implements ChatProviderFactory {

    @Override
    public int spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public String name() {
        return "openai-compatible";
    }

    /** vLLM's and llama.cpp's default address; a declared instance names its own. */
    @Override
    public ProviderDefaults defaults() {
        return ProviderDefaults.keyless("http://localhost:8000/v1");
    }

    @Override
    public boolean allowsDeclaredInstances() {
        return true;
    }

    @Override
    public Optional<ChatProvider> create(ProviderContext context) {
        return Optional.of(new OpenAiCompatibleProvider(context, Map.of(), OpenAiCompatibleProvider.Quirks.NONE));
    }
}
