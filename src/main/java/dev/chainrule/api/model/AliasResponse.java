package dev.chainrule.api.model;

import dev.chainrule.model.ModelAlias;
import java.time.Instant;
import java.util.List;

/**
 * An alias as GET /models/{id}/aliases/{alias} shows it: where it points, since when, and every move (oldest first).
 *
 * @param isDefault whether unnamed predictions of the model use it
 */
public record AliasResponse(String modelId, String alias, int version, boolean isDefault, Instant updatedAt,
                            List<MoveView> history) {

    /** One set, move or removal; fromVersion absent when it created the alias, toVersion when it removed it. */
    public record MoveView(Integer fromVersion, Integer toVersion, Instant movedAt, String movedBy) {
    }

    static AliasResponse of(String modelId, ModelAlias alias, String defaultAlias) {
        return new AliasResponse(modelId, alias.name(), alias.version(), alias.name().equals(defaultAlias),
                alias.updatedAt(), alias.history().stream()
                .map(m -> new MoveView(m.fromVersion(), m.toVersion(), m.movedAt(), m.movedBy())).toList());
    }
}
