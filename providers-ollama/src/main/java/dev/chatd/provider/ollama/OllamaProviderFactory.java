package dev.chatd.provider.ollama;

import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import java.util.Optional;

/** {@code ollama}: a local Ollama server, no key. The default provider for bare model names. */
public final class OllamaProviderFactory implements ChatProviderFactory {

    @Override
    public int spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public String name() {
        return "ollama";
    }

    @Override
    public ProviderDefaults defaults() {
        return ProviderDefaults.keyless("http://localhost:11434");
    }

    @Override
    public Optional<ChatProvider> create(ProviderContext context) {
        return Optional.of(new OllamaProvider(context, true));
    }
}
