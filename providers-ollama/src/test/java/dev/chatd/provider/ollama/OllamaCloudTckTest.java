package dev.chatd.provider.ollama;

import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.tck.ProviderContract;
import dev.chatd.tck.UpstreamFormat;

/** Ollama Cloud passes the provider TCK: the same format as a local Ollama, with a Bearer key. */
class OllamaCloudTckTest extends ProviderContract {

    @Override
    protected ChatProviderFactory factory() {
        return new OllamaCloudProviderFactory();
    }

    @Override
    protected UpstreamFormat format() {
        return UpstreamFormat.OLLAMA;
    }

    @Override
    protected String model() {
        return "gpt-oss:120b";
    }
}
