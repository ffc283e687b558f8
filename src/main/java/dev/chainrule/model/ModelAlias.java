package dev.chainrule.model;

import java.time.Instant;
import java.util.List;

/**
 * A named pointer to one of a model's versions, and every move it has made, oldest first (including moves before
 * it was last removed and set again).
 */
public record ModelAlias(String name, int version, Instant updatedAt, List<Move> history) {
    public ModelAlias {
        history = List.copyOf(history);
    }

    /**
     * One set, move or removal.
     *
     * @param fromVersion where it pointed before, or null when it did not exist
     * @param toVersion   where it points after, or null when the move removed it
     * @param movedBy     the API key's name when keys are on, else null
     */
    public record Move(Integer fromVersion, Integer toVersion, Instant movedAt, String movedBy) {
    }
}
