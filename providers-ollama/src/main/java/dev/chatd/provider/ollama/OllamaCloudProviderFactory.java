package dev.chatd.provider.ollama;

import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import java.util.Optional;

/**
 * {@code ollama_cloud}: Ollama's hosted models, with a Bearer key. Besides its prefix it claims
 * the names local Ollama gives cloud models, {@code deepseek-v3.2:cloud} and
 * {@code gpt-oss:120b-cloud}, and strips that mark: the cloud API wants the plain name.
 */
public final class OllamaCloudProviderFactory implements ChatProviderFactory {
    private static final String TAG = ":cloud";
    private static final String TAG_SUFFIX = "-cloud";

    @Override
    public int spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public String name() {
        return "ollama_cloud";
    }

    @Override
    public ProviderDefaults defaults() {
        return ProviderDefaults.keyed("https://ollama.com", "OLLAMA_API_KEY", "/etc/chatd/ollama_cloud.env");
    }

    @Override
    public Optional<String> claim(String model) {
        if (model.endsWith(TAG) && model.length() > TAG.length()) {
            return Optional.of(model.substring(0, model.length() - TAG.length()));
        }
        int colon = model.lastIndexOf(':');
        if (colon > 0 && model.endsWith(TAG_SUFFIX) && model.length() - colon - 1 > TAG_SUFFIX.length()) {
            return Optional.of(model.substring(0, model.length() - TAG_SUFFIX.length()));
        }
        return Optional.empty();
    }

    @Override
    public Optional<ChatProvider> create(ProviderContext context) {
        return context.key().map(key -> new OllamaProvider(context, false));
    }
}
