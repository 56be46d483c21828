package dev.chatd.api;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything that can go wrong with a chat call, classified by what the caller should do about
 * it. The server maps each kind to one HTTP status in one place. Messages never contain keys.
 */
public abstract sealed class ChatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private ChatException(String message, Throwable cause) {
        super(message, cause, true, false);
    }

    /** The caller's request is malformed or incomplete: fix the request (400). */
    public static final class InvalidRequest extends ChatException {
        private static final long serialVersionUID = 1L;

        public InvalidRequest(String message) {
            super(message, null);
        }
    }

    /** No registered provider serves this model name: configure one (404). */
    public static final class ProviderNotFound extends ChatException {
        private static final long serialVersionUID = 1L;

        public ProviderNotFound(String message) {
            super(message, null);
        }
    }

    /**
     * chatd does not call the provider now: its circuit is open after repeated upstream
     * failures, until the cool-down ends (503). The message says which provider and when it
     * will be tried again.
     *
     * @since 0.4
     */
    public static final class ProviderUnavailable extends ChatException {
        private static final long serialVersionUID = 1L;

        private final String retryAfter;

        public ProviderUnavailable(String message, String retryAfter) {
            super(message, null);
            this.retryAfter = retryAfter;
        }

        /** Seconds until the provider is tried again, as a {@code Retry-After} value, when known. */
        public Optional<String> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }
    }

    /** The provider is configured but switched off (503). */
    public static final class ProviderDisabled extends ChatException {
        private static final long serialVersionUID = 1L;

        public ProviderDisabled(String message) {
            super(message, null);
        }
    }

    /** The upstream does not know the model (404). */
    public static final class ModelNotFound extends ChatException {
        private static final long serialVersionUID = 1L;

        public ModelNotFound(String message) {
            super(message, null);
        }
    }

    /** The upstream rejected the request as the caller's fault, e.g. context too long (400). */
    public static final class UpstreamBadRequest extends ChatException {
        private static final long serialVersionUID = 1L;

        public UpstreamBadRequest(String message) {
            super(message, null);
        }
    }

    /** The upstream is rate limiting; retry after the given delay when known (429). */
    public static final class RateLimited extends ChatException {
        private static final long serialVersionUID = 1L;

        private final String retryAfter;

        public RateLimited(String message, String retryAfter) {
            super(message, null);
            this.retryAfter = retryAfter;
        }

        /** The upstream's {@code Retry-After} value, verbatim (seconds or an HTTP date). */
        public Optional<String> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }
    }

    /** The upstream refused chatd's credentials: an operator problem, never the caller's (502). */
    public static final class UpstreamAuth extends ChatException {
        private static final long serialVersionUID = 1L;

        public UpstreamAuth(String message) {
            super(message, null);
        }
    }

    /**
     * The upstream failed, was unreachable or answered nonsense (502). Subtypes say more where
     * a client API can tell its callers more ({@link UpstreamOverloaded}).
     */
    public static sealed class UpstreamFailure extends ChatException permits UpstreamOverloaded {
        private static final long serialVersionUID = 1L;

        private final int upstreamStatus;

        public UpstreamFailure(String message) {
            this(message, null, 0);
        }

        public UpstreamFailure(String message, Throwable cause) {
            this(message, cause, 0);
        }

        /**
         * A failure the upstream answered with an HTTP status, so that chatd can tell a 503
         * (worth retrying) from a 500 (not).
         *
         * @since 0.4
         */
        public UpstreamFailure(String message, int upstreamStatus) {
            this(message, null, upstreamStatus);
        }

        private UpstreamFailure(String message, Throwable cause, int upstreamStatus) {
            super(message, cause);
            this.upstreamStatus = upstreamStatus;
        }

        /**
         * The upstream's HTTP status, when it answered with one; empty for a failure of the
         * connection or of the reply's content.
         *
         * @since 0.4
         */
        public OptionalInt upstreamStatus() {
            return upstreamStatus > 0 ? OptionalInt.of(upstreamStatus) : OptionalInt.empty();
        }
    }

    /**
     * The upstream says it is overloaded (Anthropic's {@code overloaded_error}, HTTP 529): an
     * upstream failure (502) to most clients, which an Anthropic client is told as 529, so that
     * its SDK retries as it does against Anthropic.
     *
     * @since 0.3
     */
    public static final class UpstreamOverloaded extends UpstreamFailure {
        private static final long serialVersionUID = 1L;

        public UpstreamOverloaded(String message) {
            super(message, 529);
        }
    }

    /** The upstream did not answer in time (504). */
    public static final class UpstreamTimeout extends ChatException {
        private static final long serialVersionUID = 1L;

        private final Duration timeout;

        public UpstreamTimeout(String message, Duration timeout) {
            super(message, null);
            this.timeout = timeout;
        }

        public Duration timeout() {
            return timeout;
        }
    }
}
