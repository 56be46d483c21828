package dev.chatd.bench;

import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.InputStream;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The pass-through's upstream call made with Apache HttpClient 5 classic (blocking I/O, here on
 * the WebServer's virtual threads) instead of Helidon's WebClient (issue 15: measure the upstream
 * client again). The server side stays PassThrough's; a reply with a {@code Content-Length} is
 * relayed whole, any other as it arrives, flushed per read.
 */
final class ApacheRelay {
    private ApacheRelay() {}

    static Handler relay(String baseUrl) {
        // Enough kept-alive connections for the bench's 64 concurrent requests; a pooled
        // connection idle for over 2 s is checked before reuse (the default), not on every lease.
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(128)
                .setMaxConnPerRoute(128)
                .setDefaultSocketConfig(SocketConfig.custom()
                        .setTcpNoDelay(true)
                        .setSoTimeout(Timeout.ofSeconds(30))
                        .build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.ofSeconds(5))
                        .setSocketTimeout(Timeout.ofSeconds(30))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .build();
        CloseableHttpClient client = HttpClients.custom()
                .setConnectionManager(pool)
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .evictIdleConnections(TimeValue.ofSeconds(60))
                .build();
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return (ServerRequest req, ServerResponse res) -> {
            byte[] body = req.content().inputStream().readAllBytes();
            ContentType contentType = req.headers()
                    .contentType()
                    .map(type -> ContentType.parse(type.text()))
                    .orElse(null);
            var call = ClassicRequestBuilder.post(base + req.path().path())
                    .setEntity(new ByteArrayEntity(body, contentType))
                    .build();
            try (ClassicHttpResponse reply = client.executeOpen(null, call, null)) {
                res.status(reply.getCode());
                Header replyType = reply.getFirstHeader("Content-Type");
                if (replyType != null) {
                    res.header("Content-Type", replyType.getValue());
                }
                HttpEntity entity = reply.getEntity();
                if (entity == null) {
                    res.send();
                } else if (entity.getContentLength() >= 0) {
                    res.send(EntityUtils.toByteArray(entity));
                } else {
                    try (InputStream in = entity.getContent()) {
                        PassThrough.stream(in, res);
                    }
                }
            }
        };
    }
}
