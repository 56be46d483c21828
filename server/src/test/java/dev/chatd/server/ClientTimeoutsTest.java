package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.common.socket.SocketOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table of accepted sockets stays bounded however many connections come and go. */
class ClientTimeoutsTest {

    @Test
    void acceptedSocketsGetTheIdleTimeoutAndClosedOnesAreSweptOut() throws Exception {
        ClientTimeouts timeouts = new ClientTimeouts(
                SocketOptions.builder().readTimeout(Duration.ofSeconds(3)).build(), Duration.ofSeconds(7));
        List<Socket> open = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 2000, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 1500; i++) {
                try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    assertThat(client.isConnected()).isTrue();
                    Socket accepted = server.accept();
                    timeouts.socketOptions().configureSocket(accepted);
                    assertThat(accepted.getSoTimeout()).isEqualTo(7000);
                    if (i % 100 == 0) {
                        open.add(accepted);
                    } else {
                        accepted.close();
                    }
                }
            }
            assertThat(timeouts.tracked())
                    .as("closed sockets do not pile up")
                    .isLessThanOrEqualTo(2 * 256 + open.size());
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
    }
}
