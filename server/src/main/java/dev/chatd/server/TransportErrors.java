package dev.chatd.server;

import dev.chatd.kit.json.JsonCodec;
import dev.chatd.server.ingress.ApiError;
import dev.chatd.server.ingress.IngressCodec;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.util.logging.Logger;

/**
 * chatd's JSON errors for what Helidon refuses before routing (a request line or headers that
 * are not HTTP/1.1 or too large, too many requests at once) and for the last resort of
 * routing: the same statuses, types and per-API envelopes as every other error. Helidon
 * reports headers over its {@code max-headers-size} as a 400; the caller is told 431.
 */
final class TransportErrors implements DirectHandler {
    private static final Logger LOG = Logger.getLogger(TransportErrors.class.getName());
    /** What Helidon 4.2's header parser says when the headers exceed {@code max-headers-size}. */
    private static final String HEADERS_TOO_LARGE = "Header size exceeded";
    /** Helidon's messages may end in a hex dump of the request; the caller gets the first line, this long at most. */
    private static final int MAX_DETAIL = 200;

    private final Ingresses ingresses;

    private TransportErrors(Ingresses ingresses) {
        this.ingresses = ingresses;
    }

    /** This handler for every kind of event Helidon hands to direct handlers, in the envelopes of {@code ingresses}. */
    static DirectHandlers all(Ingresses ingresses) {
        TransportErrors handler = new TransportErrors(ingresses);
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    @Override
    public TransportResponse handle(
            TransportRequest request,
            EventType eventType,
            Status defaultStatus,
            ServerResponseHeaders responseHeaders,
            String message) {
        // What Helidon could read of the request: any part may be missing (null or empty).
        String requestId = RequestIds.pick(
                request.headers() == null
                        ? null
                        : request.headers()
                                .first(HeaderNames.create(RequestIds.HEADER))
                                .orElse(null));
        String method = orDash(request.method());
        String path = orDash(request.path());
        IngressCodec codec = ingresses.codecFor(path);
        ApiError refused = error(defaultStatus.code(), message, requestId);
        ApiError error = refused.withStatus(codec.status(refused)); // the API's own status for it, if any
        LOG.info(() -> "request id=" + requestId + " " + method + " " + path + " refused before routing -> "
                + error.status() + " " + error.type());
        TransportResponse.Builder response = TransportResponse.builder()
                .status(Status.create(error.status()))
                .headers(responseHeaders)
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .header(HeaderNames.create(RequestIds.HEADER), requestId)
                .entity(JsonCodec.write(codec.errorBody(error, requestId)));
        if (error.status() != 500) {
            // A request Helidon could not read leaves the connection in an unknown state.
            response.keepAlive(false);
        }
        return response.build();
    }

    private static ApiError error(int status, String message, String requestId) {
        String detail = detail(message);
        if (status == 400 && message != null && message.contains(HEADERS_TOO_LARGE)) {
            return ApiError.of(
                    431,
                    "headers_too_large",
                    "the request headers are larger than chatd accepts"
                            + " (Helidon's max-headers-size, 16384 bytes unless configured); send fewer or shorter headers");
        }
        return switch (status) {
            case 400 -> ApiError.of(400, "invalid_request", "the request is not valid HTTP/1.1" + detail);
            case 413 -> ApiError.of(413, "request_too_large", "the request body is larger than chatd accepts");
            case 414 ->
                ApiError.of(
                        414,
                        "uri_too_long",
                        "the request line is longer than chatd accepts"
                                + " (Helidon's max-prologue-length, 4096 bytes unless configured)");
            case 505 -> ApiError.of(505, "http_version_not_supported", "chatd speaks HTTP/1.1" + detail);
            case 503 -> ApiError.of(503, "overloaded", "chatd is serving as many requests as it may; retry shortly");
            default ->
                status >= 400 && status < 500
                        ? ApiError.of(status, "invalid_request", "the request was refused" + detail)
                        : ApiError.internal(requestId);
        };
    }

    private static String orDash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }

    /** ": <first line of Helidon's message>", or nothing when there is none. */
    private static String detail(String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String line = message.strip().lines().findFirst().orElse("").strip();
        if (line.length() > MAX_DETAIL) {
            line = line.substring(0, MAX_DETAIL) + "…";
        }
        return line.isEmpty() ? "" : ": " + line;
    }
}
