package dev.chatd.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The SPI's transport: a context without a host's transport says so; replies look headers up by any case. */
class TransportSpiTest {

    private static final ProviderContext HOSTLESS = new ProviderContext() {
        @Override
        public String name() {
            return "mine";
        }

        @Override
        public URI baseUrl() {
            return URI.create("http://127.0.0.1:1");
        }

        @Override
        public Optional<Secret> key() {
            return Optional.empty();
        }

        @Override
        public Duration timeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Map<String, String> headers() {
            return Map.of();
        }

        @Override
        public Map<String, String> settings() {
            return Map.of();
        }
    };

    @Test
    void aContextFromNoHostHasNoTransportAndSaysWhose() {
        assertThatThrownBy(HOSTLESS::transport)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("'mine'")
                .hasMessageContaining("offers no upstream transport");
    }

    @Test
    void replyHeadersAreFoundWhateverTheCaseOfTheirName() {
        Transport.Reply reply = new Transport.Reply(200, Map.of("Retry-After", "5"), null);

        assertThat(reply.headers().get("retry-after")).isEqualTo("5");
        assertThat(reply.headers().get("RETRY-AFTER")).isEqualTo("5");
        assertThat(reply.body()).isEmpty();
    }
}
