package dev.chainrule.client;

import java.time.Instant;
import java.util.List;

/**
 * A named pointer to one of a model's versions ({@code production}, {@code staging}), and every move it made.
 *
 * @param modelId   the model
 * @param alias     its name
 * @param version   the version it points to
 * @param isDefault whether the model's unnamed predictions use it
 * @param updatedAt when it was last set or moved
 * @param history   every set, move and removal, oldest first
 */
public record Alias(String modelId, String alias, int version, boolean isDefault, Instant updatedAt,
                    List<Move> history) {

    /**
     * One set, move or removal.
     *
     * @param fromVersion where it pointed before; null when this move created it
     * @param toVersion   where it pointed after; null when this move removed it
     * @param movedAt     when
     * @param movedBy     the name of the API key that moved it; null on a service without keys
     */
    public record Move(Integer fromVersion, Integer toVersion, Instant movedAt, String movedBy) {
    }
}
