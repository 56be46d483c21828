package dev.chatd.api;

import java.util.Objects;

/**
 * A model an upstream offers.
 *
 * @param id the model's name as the upstream knows it (without chatd's provider prefix)
 * @param ownedBy who publishes it, where the upstream says; may be null
 * @param sizeBytes its size on disk for local models, else 0
 */
public record ModelInfo(String id, String ownedBy, long sizeBytes) {
    public ModelInfo {
        Objects.requireNonNull(id, "id");
    }
}
