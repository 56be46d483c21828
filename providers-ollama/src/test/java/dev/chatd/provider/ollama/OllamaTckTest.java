package dev.chatd.provider.ollama;

import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.tck.ProviderContract;
import dev.chatd.tck.UpstreamFormat;

/** A local Ollama passes the provider TCK; its quirks are in {@link OllamaProviderTest}. */
class OllamaTckTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new OllamaProviderFactory();
    }

    @Override
    protected UpstreamFormat format() {
        return UpstreamFormat.OLLAMA;
    }

    @Override
    protected String model() {
        return "llama3.2";
    }
}
