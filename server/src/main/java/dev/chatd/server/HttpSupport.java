package dev.chatd.server;

import dev.chatd.api.ChatException;
import dev.chatd.kit.json.JsonCodec;
import dev.chatd.server.ingress.ApiError;
import dev.chatd.server.ingress.IngressCodec;
import io.helidon.common.context.Context;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Request ids and error replies, shared by every route. */
final class HttpSupport {
    private static final Logger LOG = Logger.getLogger(HttpSupport.class.getName());
    private static final String REQUEST_ID = "chatd.request-id";

    private HttpSupport() {}

    static void assignRequestId(ServerRequest req, ServerResponse res) {
        String id = RequestIds.pick(
                req.headers().first(HeaderNames.create(RequestIds.HEADER)).orElse(null));
        req.context().register(REQUEST_ID, id);
        res.header(RequestIds.HEADER, id);
    }

    static String requestId(ServerRequest req) {
        Context context = req.context();
        return context.get(REQUEST_ID, String.class).orElse("-");
    }

    /**
     * Sends the error as JSON bytes written by chatd's codec, whatever the request's
     * {@code Accept} (a media writer would refuse an error for {@code text/event-stream}),
     * unless the response has already started. A request that a shutdown ended (its wait
     * interrupted) gets the shutdown's 503 whatever it failed with.
     */
    static void send(ServerRequest req, ServerResponse res, ApiError error) {
        InFlightRequests.Request inFlight = InFlightRequests.of(req);
        if (inFlight != null && inFlight.endedError() != null) {
            Thread.interrupted(); // the interrupt has done its job; the reply must still go out
            error = inFlight.endedError();
        }
        IngressCodec codec = Ingresses.of(req).codecFor(req.path().path());
        error = error.withStatus(codec.status(error));
        AccessLog.of(req).error(error);
        if (res.isSent()) {
            return;
        }
        res.status(Status.create(error.status()));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        // Helidon resets the response before an error handler runs, taking the filter's header with it.
        res.header(RequestIds.HEADER, requestId(req));
        if (error.retryAfter() != null) {
            res.header(HeaderNames.RETRY_AFTER, error.retryAfter());
        }
        if (error.status() == 401) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"chatd\"");
        }
        res.send(JsonCodec.write(codec.errorBody(error, requestId(req))));
    }

    /** Sends a JSON tree written by chatd's codec, so that no {@code Accept} header can refuse it. */
    static void json(ServerResponse res, Object tree) {
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(JsonCodec.write(tree));
    }

    /**
     * Ends the connection after a reply when the client asked for that ({@code Connection:
     * close}) or the reply says so (a 408 whose body may still arrive). Helidon 4.2 writes the
     * header but keeps reading the connection; this exception is its way to close it.
     */
    static void closeIfAsked(ServerRequest req, ServerResponse res) {
        if (res.isSent()
                && (req.headers().contains(HeaderValues.CONNECTION_CLOSE)
                        || res.headers().contains(HeaderValues.CONNECTION_CLOSE))) {
            throw new CloseConnectionException("closed after the reply, as asked");
        }
    }

    static void chatFailure(ServerRequest req, ServerResponse res, ChatException e) {
        send(req, res, ApiError.of(e));
    }

    /** Sends an error that is not chatd's fault; the access log line says it, so nothing else is logged. */
    static void refuse(ServerRequest req, ServerResponse res, ApiError error) {
        send(req, res, error);
    }

    static void unexpected(ServerRequest req, ServerResponse res, Throwable t) {
        String id = requestId(req);
        InFlightRequests.Request inFlight = InFlightRequests.of(req);
        if (inFlight == null || inFlight.endedError() == null) { // else the shutdown interrupted it: no bug to report
            LOG.log(
                    Level.SEVERE,
                    "request id=" + id + " path="
                            + AccessLog.quoted(req.prologue().uriPath().rawPath()) + " failed unexpectedly",
                    t);
        }
        send(req, res, ApiError.internal(id));
    }
}
