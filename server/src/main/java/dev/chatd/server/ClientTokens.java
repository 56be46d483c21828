package dev.chatd.server;

import io.helidon.webserver.http.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The inbound token check: {@code Authorization: Bearer <token>}, or {@code x-api-key: <token>}
 * as Anthropic's SDKs and Claude Code send it (on every path: a client that has the token may
 * present it either way), against every configured client's token. Digests are compared, not
 * the strings, and every token is compared whatever matched before, so the time taken says
 * neither how much of a guess was right nor which client's token it was.
 */
final class ClientTokens {
    private static final String PREFIX = "Bearer ";
    private static final String KEY = "chatd.client";

    /** A client that presented its token, and what it may use. */
    record Client(String name, List<String> allow) {
        /**
         * Whether the client may use {@code model}: any model without an allow list; else when
         * the list names the model exactly (a model alias is named so) or its provider.
         *
         * @param provider the provider the model routes to, or null when it routes nowhere
         */
        boolean mayUse(String model, String provider) {
            return allow.isEmpty() || allow.contains(model) || (provider != null && allow.contains(provider));
        }
    }

    private record Known(Client client, byte[] digest) {}

    private final List<Known> known;

    private ClientTokens(List<Known> known) {
        this.known = known;
    }

    /**
     * The check for these clients, or empty when there is none (no auth). A client whose token
     * did not resolve is kept out of the check: it cannot log in, but its presence in the
     * config still turns auth on.
     */
    static Optional<ClientTokens> of(List<ClientToken> configured) {
        if (configured.isEmpty()) {
            return Optional.empty();
        }
        List<Known> known = new ArrayList<>();
        for (ClientToken token : configured) {
            token.token()
                    .ifPresent(secret ->
                            known.add(new Known(new Client(token.name(), token.allow()), digest(secret.reveal()))));
        }
        return Optional.of(new ClientTokens(List.copyOf(known)));
    }

    /** The client whose token either header carries (each may be null), or empty. */
    Optional<Client> identify(String authorization, String apiKey) {
        byte[] bearer = bearerDigest(authorization);
        byte[] key = apiKey == null || apiKey.isBlank() ? null : digest(apiKey.strip());
        Client found = null;
        for (Known k : known) {
            // Both compared for every client, no early exit: timing says nothing of which matched.
            boolean matches = (bearer != null && MessageDigest.isEqual(k.digest, bearer))
                    | (key != null && MessageDigest.isEqual(k.digest, key));
            if (matches && found == null) {
                found = k.client;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Remembers the client on its request, for the chat route's allow check. */
    static void identified(ServerRequest req, Client client) {
        req.context().register(KEY, client);
        AccessLog.of(req).client(client.name());
    }

    /** The client the request identified as, or empty (no auth configured). */
    static Optional<Client> of(ServerRequest req) {
        return req.context().get(KEY, Client.class);
    }

    private static byte[] bearerDigest(String authorization) {
        if (authorization == null
                || authorization.length() <= PREFIX.length()
                || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return null;
        }
        return digest(authorization.substring(PREFIX.length()).strip());
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
