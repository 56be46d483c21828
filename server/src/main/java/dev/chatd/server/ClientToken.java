package dev.chatd.server;

import dev.chatd.api.spi.Secret;
import java.util.List;
import java.util.Optional;

/**
 * One inbound token as configured: a named client ({@code chatd.auth.tokens}) or the single
 * token ({@code chatd.auth.token-env}/{@code token-file}, client {@value #DEFAULT_CLIENT}).
 *
 * @param name the client's name, for the access log and metrics (never the token)
 * @param token the token, empty when its variable and file gave none (the client cannot log in)
 * @param source where the token was looked for, for start-up lines (never the value)
 * @param allow the providers and model names the client may use; empty means any
 */
public record ClientToken(String name, Optional<Secret> token, String source, List<String> allow) {
    /** The client name of the single-token setting. */
    public static final String DEFAULT_CLIENT = "default";

    public ClientToken {
        allow = List.copyOf(allow);
    }
}
