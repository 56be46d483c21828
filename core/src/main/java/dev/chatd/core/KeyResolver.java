package dev.chatd.core;

import dev.chatd.api.spi.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Finds a provider's key: the environment variable named by {@code key-env} when it is set and
 * not blank; otherwise the {@code .env}-style {@code key-file}, where the line named by
 * {@code key-env} wins, then the line named by the provider's canonical variable (so renaming
 * {@code key-env} in the config does not lose a file that keeps the canonical line), then the
 * file's only assignment, then a bare token. Logs name the file, never the key.
 *
 * <p>A key with a control character in it (CR, LF, tab, NUL, ...) is refused with an
 * {@link IllegalStateException} that names the variable or file: sent as a header it would
 * inject headers upstream, and a key that arrived that way is broken anyway.
 */
public final class KeyResolver {
    private static final Logger LOG = Logger.getLogger(KeyResolver.class.getName());

    private final Function<String, String> environment;

    /** @param environment looks up an environment variable; {@code System::getenv} in production */
    public KeyResolver(Function<String, String> environment) {
        this.environment = environment;
    }

    /**
     * @param keyEnv the variable the config names (may be null)
     * @param canonicalEnv the factory's own variable, e.g. {@code OLLAMA_API_KEY} (may be null)
     * @param keyFile the fallback file (may be null)
     */
    public Optional<Secret> resolve(String keyEnv, String canonicalEnv, Path keyFile) {
        if (keyEnv != null) {
            String value = environment.apply(keyEnv);
            if (value != null && !value.isBlank()) {
                return Optional.of(safe(value, "environment variable " + keyEnv));
            }
        }
        if (keyFile == null) {
            return Optional.empty();
        }
        DotEnvFile file;
        try {
            file = DotEnvFile.parse(Files.readString(keyFile, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            LOG.fine(() -> "key file " + keyFile + " does not exist");
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read key file {0}: {1}", new Object[] {
                keyFile, e.getClass().getSimpleName()
            });
            return Optional.empty();
        }
        String value = null;
        if (keyEnv != null) {
            value = file.assignments().get(keyEnv);
        }
        if (isBlank(value) && canonicalEnv != null) {
            value = file.assignments().get(canonicalEnv);
        }
        if (isBlank(value)) {
            value = file.onlyAssignment();
        }
        if (isBlank(value)) {
            value = file.bareToken();
        }
        if (isBlank(value)) {
            LOG.log(Level.WARNING, "key file {0} holds no usable key (expected {1}=...)", new Object[] {
                keyFile, keyEnv != null ? keyEnv : canonicalEnv
            });
            return Optional.empty();
        }
        return Optional.of(safe(value, "key file " + keyFile));
    }

    /** The key without surrounding white space; one with a control character inside is refused. */
    private static Secret safe(String value, String source) {
        String key = value.strip();
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                throw new IllegalStateException(source + " holds a key with a control character in it"
                        + " (CR, LF, tab or another); chatd will not send it upstream. Fix the key and start again");
            }
        }
        return Secret.of(key);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
