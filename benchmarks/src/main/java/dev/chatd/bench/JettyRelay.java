package dev.chatd.bench;

import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The pass-through's upstream call made with the Jetty 12 HTTP client instead of Helidon's
 * WebClient (issue 15: measure the upstream client again). The server side stays PassThrough's;
 * the handler, on the WebServer's virtual thread, sends the request and blocks on Jetty's
 * {@link InputStreamResponseListener} (the client's own blocking, streaming API), relaying a
 * reply with a {@code Content-Length} whole and any other as it arrives, flushed per read.
 */
final class JettyRelay {
    private JettyRelay() {}

    static Handler relay(String baseUrl) {
        HttpClient client = new HttpClient();
        // Enough kept-alive connections for the bench's 64 concurrent requests, never queued.
        client.setMaxConnectionsPerDestination(128);
        client.setMaxRequestsQueuedPerDestination(4096);
        client.setConnectTimeout(5_000);
        client.setIdleTimeout(60_000);
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty HttpClient did not start", e);
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return (ServerRequest req, ServerResponse res) -> {
            byte[] body = req.content().inputStream().readAllBytes();
            String contentType =
                    req.headers().contentType().map(Object::toString).orElse(null);
            InputStreamResponseListener listener = new InputStreamResponseListener();
            client.newRequest(base + req.path().path())
                    .method(HttpMethod.POST)
                    .body(new BytesRequestContent(contentType, body))
                    .send(listener);
            Response reply = listener.get(30, TimeUnit.SECONDS);
            try (InputStream in = listener.getInputStream()) {
                res.status(reply.getStatus());
                String replyType = reply.getHeaders().get(HttpHeader.CONTENT_TYPE);
                if (replyType != null) {
                    res.header("Content-Type", replyType);
                }
                if (reply.getHeaders().contains(HttpHeader.CONTENT_LENGTH)) {
                    res.send(in.readAllBytes());
                } else {
                    PassThrough.stream(in, res);
                }
            }
        };
    }
}
