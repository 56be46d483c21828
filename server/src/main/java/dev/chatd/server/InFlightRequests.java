package dev.chatd.server;

import dev.chatd.server.ingress.ApiError;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests in flight, so that a shutdown can refuse new ones, wait for these, and end those
 * that outlast the grace: a stream with its ingress's error event, any other request with a 503
 * {@code shutting_down}. Helidon's own stop interrupts every request at once, so chatd drains
 * before it calls it.
 */
final class InFlightRequests {
    private static final String KEY = "chatd.in-flight";

    /** New requests while draining. */
    static final ApiError REFUSED = ApiError.of(
            503,
            "shutting_down",
            "chatd is shutting down and takes no new requests; retry on another instance or once it is back");

    /** Requests still running when the grace ran out. */
    private static ApiError ended(Duration grace) {
        return ApiError.of(
                503,
                "shutting_down",
                "chatd is shutting down and ended this request after its grace period of " + grace.toSeconds()
                        + " s (chatd.shutdown-grace-secs); retry the request");
    }

    /** One request in flight. */
    static final class Request {
        private final Thread thread = Thread.currentThread();
        private Runnable onShutdown;
        private volatile ApiError ended;

        /** Ends it: a stream through its own action, any other request by interrupting its wait. */
        private synchronized void end(ApiError error) {
            ended = error;
            if (onShutdown != null) {
                onShutdown.run();
            } else {
                thread.interrupt();
            }
        }

        /** The error to answer with once the shutdown ended this request; null until then. */
        ApiError endedError() {
            return ended;
        }

        /** What ends this request's stream when the grace runs out (at once, if it already has). */
        synchronized void onShutdown(Runnable action) {
            onShutdown = action;
            if (ended != null) {
                action.run();
            }
        }
    }

    private final Set<Request> requests = ConcurrentHashMap.newKeySet();
    private final Object idle = new Object();
    private volatile boolean draining;
    private volatile boolean hurry;

    /** The filter that counts every request, and refuses new ones once draining. */
    void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Request request = new Request();
        // Added before draining is read: a shutdown that did not see this request is seen by it.
        requests.add(request);
        try {
            if (draining) {
                res.header(HeaderValues.CONNECTION_CLOSE);
                HttpSupport.send(req, res, REFUSED);
                return;
            }
            req.context().register(KEY, request);
            chain.proceed();
        } finally {
            requests.remove(request);
            if (draining) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
    }

    /** The request in flight that {@code req} is, or null outside the filter. */
    static Request of(ServerRequest req) {
        return req.context().get(KEY, Request.class).orElse(null);
    }

    /** From now on new requests get a 503 {@code shutting_down}. */
    void drain() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    int count() {
        return requests.size();
    }

    /** Waits until no request is in flight; false if {@code timeout} passed (or {@link #hurry()}) first. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (!requests.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || hurry) {
                    return false;
                }
                idle.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** Ends the wait of {@link #awaitIdle} early: asked to stop again. */
    void hurry() {
        hurry = true;
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    /** Ends every request still in flight, after {@code grace}. */
    void endAll(Duration grace) {
        hurry = false;
        ApiError error = ended(grace);
        for (Request request : requests) {
            request.end(error);
        }
    }
}
