package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** Start-up in-process: a port in use, and the warning for an open listener without a token. */
class StartupTest {
    private static final String OPEN = "beyond this machine, with no inbound token";

    @Test
    void portInUseFailsNamingTheAddressWithoutAStackTrace() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                LogCapture log = LogCapture.start()) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> TestServer.builder()
                            .config("server.port", String.valueOf(port))
                            .start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot listen on 127.0.0.1:" + port + ": Address already in use");
            assertThat(log.records())
                    .as("Helidon's failure with its stack trace is held back")
                    .noneMatch(r -> r.getLevel().intValue() >= Level.SEVERE.intValue() || r.getThrown() != null);
        }
    }

    @Test
    void aHostThatDoesNotResolveFailsNamingTheAddress() {
        assertThatThrownBy(() -> TestServer.builder()
                        .config("server.host", "no-such-host.invalid")
                        .start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot listen on no-such-host.invalid:0: ");
    }

    @Test
    void listeningBeyondLoopbackWithoutATokenIsAWarning() {
        try (LogCapture log = LogCapture.start();
                TestServer server =
                        TestServer.builder().config("server.host", "0.0.0.0").start()) {
            assertThat(log.records()).anySatisfy(r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(LogCapture.text(r)).contains("0.0.0.0:" + server.chatd.port(), OPEN, "CHATD_AUTH_TOKEN");
            });
        }
    }

    @Test
    void noWarningOnLoopbackOrWithAToken() {
        try (LogCapture log = LogCapture.start();
                TestServer loopback = TestServer.builder().start();
                TestServer withToken = TestServer.builder()
                        .config("server.host", "0.0.0.0")
                        .env("CHATD_AUTH_TOKEN", "some-long-token")
                        .start()) {
            assertThat(loopback.get("/health").status()).isEqualTo(200);
            assertThat(withToken.get("/health").status()).isEqualTo(200);
            assertThat(log.records()).extracting(LogCapture::text).noneMatch(text -> text.contains(OPEN));
        }
    }

    @Test
    void loopbackAddresses() {
        assertThat(ChatdServer.loopback("127.0.0.1")).isTrue();
        assertThat(ChatdServer.loopback("localhost")).isTrue();
        assertThat(ChatdServer.loopback("::1")).isTrue();
        assertThat(ChatdServer.loopback("0.0.0.0")).isFalse();
        assertThat(ChatdServer.loopback("::")).isFalse();
    }
}
