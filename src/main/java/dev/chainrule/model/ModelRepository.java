package dev.chainrule.model;

import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.model.DefinitionJson;
import dev.chainrule.storage.DatabaseTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The models and model_versions tables (db/migration). Rows only: the version files are ModelService's. */
@Repository
class ModelRepository {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Double>> METRICS = new TypeReference<>() {
    };

    private final JdbcClient db;

    ModelRepository(JdbcClient db) {
        this.db = db;
    }

    /** A models row. */
    record ModelRow(String id, String name, String description, NetworkDefinition definition, long seed,
                    double lossEpsilon, Instant createdAt, String defaultAlias) {
    }

    /** A model_versions row. */
    record VersionRow(int number, ModelVersion.Summary summary, String file) {
    }

    void insert(ModelRow model) {
        db.sql("""
                INSERT INTO models (id, name, description, definition, seed, loss_epsilon, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")
                .params(model.id(), model.name(), model.description(), DefinitionJson.toText(model.definition()),
                        model.seed(), model.lossEpsilon(), DatabaseTime.parameter(model.createdAt()))
                .update();
    }

    Optional<ModelRow> find(String id) {
        return db.sql("SELECT * FROM models WHERE id = ?").param(id).query(ModelRepository::modelRow).optional();
    }

    /** The ids of the models with this name, oldest first, at most {@code limit}. */
    List<String> idsNamed(String name, int limit) {
        return db.sql("SELECT id FROM models WHERE name = ? ORDER BY seq LIMIT ?").params(name, limit)
                .query(String.class).list();
    }

    /** Locks the model's row until the transaction ends, so version numbering and deletion take turns. */
    boolean lock(String id) {
        return db.sql("SELECT id FROM models WHERE id = ? FOR UPDATE").param(id).query(String.class).optional().isPresent();
    }

    List<ModelRow> page(int offset, int limit) {
        return db.sql("SELECT * FROM models ORDER BY seq LIMIT ? OFFSET ?").params(limit, offset)
                .query(ModelRepository::modelRow).list();
    }

    long count() {
        return db.sql("SELECT count(*) FROM models").query(Long.class).single();
    }

    List<VersionRow> versions(String modelId) {
        return db.sql("SELECT * FROM model_versions WHERE model_id = ? ORDER BY version").param(modelId)
                .query(ModelRepository::versionRow).list();
    }

    /** One version's row, or the latest when {@code number} is null: one indexed query, for every prediction. */
    Optional<VersionRow> version(String modelId, Integer number) {
        return number == null
                ? db.sql("SELECT * FROM model_versions WHERE model_id = ? ORDER BY version DESC LIMIT 1").param(modelId)
                        .query(ModelRepository::versionRow).optional()
                : db.sql("SELECT * FROM model_versions WHERE model_id = ? AND version = ?").params(modelId, number)
                        .query(ModelRepository::versionRow).optional();
    }

    /** The row of the version the alias points to: one indexed query, for every prediction through an alias. */
    Optional<VersionRow> versionByAlias(String modelId, String alias) {
        return db.sql("""
                SELECT v.* FROM model_aliases a
                JOIN model_versions v ON v.model_id = a.model_id AND v.version = a.version
                WHERE a.model_id = ? AND a.name = ?""").params(modelId, alias)
                .query(ModelRepository::versionRow).optional();
    }

    /** The model's aliases and their versions, by name. */
    java.util.SortedMap<String, Integer> aliasVersions(String modelId) {
        java.util.SortedMap<String, Integer> aliases = new java.util.TreeMap<>();
        db.sql("SELECT name, version FROM model_aliases WHERE model_id = ?").param(modelId)
                .query(rs -> {
                    aliases.put(rs.getString("name"), rs.getInt("version"));
                });
        return aliases;
    }

    int lastVersion(String modelId) {
        return db.sql("SELECT coalesce(max(version), 0) FROM model_versions WHERE model_id = ?").param(modelId)
                .query(Integer.class).single();
    }

    void insertVersion(String modelId, VersionRow version) {
        ModelVersion.Summary s = version.summary();
        db.sql("""
                INSERT INTO model_versions (model_id, version, job_id, created_at, epochs, training_loss,
                                            validation_loss, metrics, file, provenance)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(modelId, version.number(), s.jobId(), DatabaseTime.parameter(s.createdAt()), s.epochs(), s.trainingLoss(),
                        s.validationLoss(), JSON.writeValueAsString(s.metrics()), version.file(),
                        JSON.writeValueAsString(s.provenance()))
                .update();
    }

    /** Deletes the model's row and its aliases' rows, and by cascade its versions' rows and its aliases' moves. */
    void delete(String id) {
        // first: an alias's foreign key keeps the version it points to
        db.sql("DELETE FROM model_aliases WHERE model_id = ?").param(id).update();
        db.sql("DELETE FROM models WHERE id = ?").param(id).update();
    }

    private static ModelRow modelRow(ResultSet rs, int row) throws SQLException {
        return new ModelRow(rs.getString("id"), rs.getString("name"), rs.getString("description"),
                DefinitionJson.fromText(rs.getString("definition")), rs.getLong("seed"), rs.getDouble("loss_epsilon"),
                DatabaseTime.read(rs, "created_at"), rs.getString("default_alias"));
    }

    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    /** A version's provenance as stored (JSON), or empty for versions stored before it was recorded. */
    private static Map<String, Object> provenance(String json) {
        return json == null ? Map.of() : JSON.readValue(json, OBJECT);
    }

    private static VersionRow versionRow(ResultSet rs, int row) throws SQLException {
        double validationLoss = rs.getDouble("validation_loss");
        Double validation = rs.wasNull() ? null : validationLoss;
        return new VersionRow(rs.getInt("version"), new ModelVersion.Summary(rs.getString("job_id"),
                DatabaseTime.read(rs, "created_at"), rs.getInt("epochs"), rs.getDouble("training_loss"), validation,
                JSON.readValue(rs.getString("metrics"), METRICS), provenance(rs.getString("provenance"))),
                rs.getString("file"));
    }
}
