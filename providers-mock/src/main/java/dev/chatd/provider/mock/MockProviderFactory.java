package dev.chatd.provider.mock;

import dev.chatd.api.spi.ChatProvider;
import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.api.spi.ProviderContext;
import dev.chatd.api.spi.ProviderDefaults;
import java.util.Optional;

/**
 * {@code mock}: a deterministic model inside chatd, with no upstream and no key, so that chatd
 * answers on a bare machine and so that code built on chatd has a model to test against. It is
 * always registered and is reached only by its prefix: it claims no bare model names.
 *
 * <ul>
 *   <li>{@code mock/echo} answers with the last user message, streamed word by word, with usage;
 *   <li>{@code mock/tool} calls the first tool the request offers, with arguments valid against
 *       its schema, then answers with the tool's result once it comes back;
 *   <li>{@code mock/error-<status>} fails as an upstream answering that HTTP status would.
 * </ul>
 */
public final class MockProviderFactory implements ChatProviderFactory {

    @Override
    public int spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public String name() {
        return "mock";
    }

    /** Keyless; the base URL names no host, since nothing leaves the process. */
    @Override
    public ProviderDefaults defaults() {
        return ProviderDefaults.keyless("mock:in-process");
    }

    @Override
    public Optional<ChatProvider> create(ProviderContext context) {
        return Optional.of(new MockProvider(context.name()));
    }
}
