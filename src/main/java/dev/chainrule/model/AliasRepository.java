package dev.chainrule.model;

import dev.chainrule.storage.DatabaseTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The model_aliases and model_alias_moves tables, and models.default_alias (db/migration V4). */
@Repository
class AliasRepository {
    private final JdbcClient db;

    AliasRepository(JdbcClient db) {
        this.db = db;
    }

    /** A model_aliases row. */
    record AliasRow(String name, int version, Instant updatedAt) {
    }

    void setDefaultAlias(String modelId, String alias) {
        db.sql("UPDATE models SET default_alias = ? WHERE id = ?").params(alias, modelId).update();
    }

    /** The model's aliases by name. */
    List<AliasRow> aliases(String modelId) {
        return db.sql("SELECT * FROM model_aliases WHERE model_id = ? ORDER BY name").param(modelId)
                .query(AliasRepository::aliasRow).list();
    }

    Optional<AliasRow> alias(String modelId, String name) {
        return db.sql("SELECT * FROM model_aliases WHERE model_id = ? AND name = ?").params(modelId, name)
                .query(AliasRepository::aliasRow).optional();
    }

    void insert(String modelId, AliasRow alias) {
        db.sql("INSERT INTO model_aliases (model_id, name, version, updated_at) VALUES (?, ?, ?, ?)")
                .params(modelId, alias.name(), alias.version(), DatabaseTime.parameter(alias.updatedAt())).update();
    }

    void update(String modelId, AliasRow alias) {
        db.sql("UPDATE model_aliases SET version = ?, updated_at = ? WHERE model_id = ? AND name = ?")
                .params(alias.version(), DatabaseTime.parameter(alias.updatedAt()), modelId, alias.name()).update();
    }

    void delete(String modelId, String name) {
        db.sql("DELETE FROM model_aliases WHERE model_id = ? AND name = ?").params(modelId, name).update();
    }

    void insertMove(String modelId, String alias, ModelAlias.Move move) {
        db.sql("""
                INSERT INTO model_alias_moves (model_id, alias, from_version, to_version, moved_at, moved_by)
                VALUES (?, ?, ?, ?, ?, ?)""")
                .params(modelId, alias, move.fromVersion(), move.toVersion(), DatabaseTime.parameter(move.movedAt()),
                        move.movedBy())
                .update();
    }

    /** The alias's moves, oldest first. */
    List<ModelAlias.Move> moves(String modelId, String alias) {
        return db.sql("SELECT * FROM model_alias_moves WHERE model_id = ? AND alias = ? ORDER BY seq")
                .params(modelId, alias).query(AliasRepository::move).list();
    }

    private static AliasRow aliasRow(ResultSet rs, int row) throws SQLException {
        return new AliasRow(rs.getString("name"), rs.getInt("version"), DatabaseTime.read(rs, "updated_at"));
    }

    private static ModelAlias.Move move(ResultSet rs, int row) throws SQLException {
        int from = rs.getInt("from_version");
        Integer fromVersion = rs.wasNull() ? null : from;
        int to = rs.getInt("to_version");
        Integer toVersion = rs.wasNull() ? null : to;
        return new ModelAlias.Move(fromVersion, toVersion, DatabaseTime.read(rs, "moved_at"), rs.getString("moved_by"));
    }
}
