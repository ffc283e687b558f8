package dev.chainrule.sweep;

import dev.chainrule.engine.model.DefinitionJson;
import dev.chainrule.storage.DatabaseTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The sweeps and sweep_trials tables (V7): every sweep and all its trials, whatever replica advances them. */
@Repository
class SweepRepository {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private final JdbcClient db;

    SweepRepository(JdbcClient db) {
        this.db = db;
    }

    /** A sweeps row. */
    record SweepRow(String id, String name, SweepState state, SweepMetric metric, String direction, Integer patience,
                    Map<String, Object> search, Instant createdAt, Instant finishedAt, String stopReason) {
    }

    /** A sweep_trials row. */
    record TrialRow(String sweepId, int trial, TrialPlan plan, TrialState state, String modelId, String jobId,
                    Double metric, Integer version, String failureReason, Integer finishedOrder, Instant finishedAt) {
    }

    /** How a plan is stored: the definition as the models table keeps it. */
    private record StoredPlan(Map<String, Object> parameters, String modelName, String modelDescription,
                              JsonNode definition, long seed, double lossEpsilon, TrialPlan.JobPlan job) {
    }

    void insert(SweepRow sweep, List<TrialPlan> trials) {
        db.sql("""
                INSERT INTO sweeps (id, name, state, metric, direction, patience, search_space, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(sweep.id(), sweep.name(), sweep.state().name(), sweep.metric().jsonName(), sweep.direction(),
                        sweep.patience(), JSON.writeValueAsString(sweep.search()), DatabaseTime.parameter(sweep.createdAt()))
                .update();
        for (int i = 0; i < trials.size(); i++) {
            TrialPlan plan = trials.get(i);
            TrialPlan.ModelPlan model = plan.model();
            StoredPlan stored = new StoredPlan(plan.parameters(), model.name(), model.description(),
                    DefinitionJson.toJson(model.definition()), model.seed(), model.lossEpsilon(), plan.job());
            db.sql("INSERT INTO sweep_trials (sweep_id, trial, parameters, plan, state) VALUES (?, ?, ?, ?, ?)")
                    .params(sweep.id(), i + 1, JSON.writeValueAsString(plan.parameters()), JSON.writeValueAsString(stored),
                            TrialState.WAITING.name())
                    .update();
        }
    }

    Optional<SweepRow> find(String id) {
        return db.sql("SELECT * FROM sweeps WHERE id = ?").param(id).query(SweepRepository::sweep).optional();
    }

    List<SweepRow> page(int offset, int limit) {
        return db.sql("SELECT * FROM sweeps ORDER BY seq LIMIT ? OFFSET ?").params(limit, offset)
                .query(SweepRepository::sweep).list();
    }

    long count() {
        return db.sql("SELECT count(*) FROM sweeps").query(Long.class).single();
    }

    /** Locks the sweep's row until the transaction ends, waiting for another holder; false when it does not exist. */
    boolean lock(String id) {
        return db.sql("SELECT id FROM sweeps WHERE id = ? FOR UPDATE").param(id).query(String.class).optional().isPresent();
    }

    /** Locks the sweep's row unless another transaction holds it (then another replica is advancing it). */
    boolean tryLock(String id) {
        return db.sql("SELECT id FROM sweeps WHERE id = ? FOR UPDATE SKIP LOCKED").param(id).query(String.class)
                .optional().isPresent();
    }

    /** Admissions of all sweeps take turns (the count of admitted trials and the admission are one step). */
    void lockAdmission() {
        db.sql("SELECT id FROM sweep_admission_lock WHERE id = 1 FOR UPDATE").query(Integer.class).single();
    }

    List<TrialRow> trials(String sweepId) {
        return db.sql("SELECT * FROM sweep_trials WHERE sweep_id = ? ORDER BY trial").param(sweepId)
                .query(SweepRepository::trial).list();
    }

    /** The trials whose end was recorded after the {@code afterOrder}-th, in the order they ended. */
    List<TrialRow> finishedAfter(String sweepId, int afterOrder) {
        return db.sql("SELECT * FROM sweep_trials WHERE sweep_id = ? AND finished_order > ? ORDER BY finished_order")
                .params(sweepId, afterOrder).query(SweepRepository::trial).list();
    }

    /** Sweeps with work left: running, or stopped with trials whose jobs have not ended yet. */
    List<String> unfinished() {
        return db.sql("""
                SELECT id FROM sweeps s WHERE s.state = 'RUNNING' OR EXISTS
                (SELECT 1 FROM sweep_trials t WHERE t.sweep_id = s.id AND t.state = 'ADMITTED') ORDER BY seq""")
                .query(String.class).list();
    }

    /** Trials of every sweep whose jobs are queued or running (as last recorded). */
    long countAdmitted() {
        return db.sql("SELECT count(*) FROM sweep_trials WHERE state = 'ADMITTED'").query(Long.class).single();
    }

    Optional<TrialRow> nextWaiting(String sweepId) {
        return db.sql("SELECT * FROM sweep_trials WHERE sweep_id = ? AND state = 'WAITING' ORDER BY trial LIMIT 1")
                .param(sweepId).query(SweepRepository::trial).optional();
    }

    void admitted(String sweepId, int trial, String modelId, String jobId) {
        db.sql("UPDATE sweep_trials SET state = 'ADMITTED', model_id = ?, job_id = ? WHERE sweep_id = ? AND trial = ?")
                .params(modelId, jobId, sweepId, trial).update();
    }

    void ended(String sweepId, int trial, TrialState state, Double metric, Integer version, String failureReason,
               int order, Instant at) {
        db.sql("""
                UPDATE sweep_trials SET state = ?, metric = ?, version = ?, failure_reason = ?, finished_order = ?,
                                        finished_at = ?
                WHERE sweep_id = ? AND trial = ?""")
                .params(state.name(), metric, version, failureReason, order, DatabaseTime.parameter(at), sweepId, trial)
                .update();
    }

    /** Ends every waiting trial of the sweep (never admitted: no order, no event). */
    int endWaiting(String sweepId, TrialState state, Instant at) {
        return db.sql("UPDATE sweep_trials SET state = ?, finished_at = ? WHERE sweep_id = ? AND state = 'WAITING'")
                .params(state.name(), DatabaseTime.parameter(at), sweepId).update();
    }

    int lastFinishedOrder(String sweepId) {
        return db.sql("SELECT coalesce(max(finished_order), 0) FROM sweep_trials WHERE sweep_id = ?").param(sweepId)
                .query(Integer.class).single();
    }

    void state(String sweepId, SweepState state, String stopReason) {
        db.sql("UPDATE sweeps SET state = ?, stop_reason = coalesce(?, stop_reason) WHERE id = ?")
                .params(state.name(), stopReason, sweepId).update();
    }

    void finishedAt(String sweepId, Instant at) {
        db.sql("UPDATE sweeps SET finished_at = ? WHERE id = ? AND finished_at IS NULL")
                .params(DatabaseTime.parameter(at), sweepId).update();
    }

    void delete(String sweepId) {
        db.sql("DELETE FROM sweep_trials WHERE sweep_id = ?").param(sweepId).update();
        db.sql("DELETE FROM sweeps WHERE id = ?").param(sweepId).update();
    }

    /** The sweep each named job is a trial of, for the jobs that are trials. */
    Map<String, String> sweepsOfJobs(Collection<String> jobIds) {
        return sweepsOf("job_id", jobIds);
    }

    /** The sweep each named model is a trial of, for the models that are trials. */
    Map<String, String> sweepsOfModels(Collection<String> modelIds) {
        return sweepsOf("model_id", modelIds);
    }

    private Map<String, String> sweepsOf(String column, Collection<String> ids) {
        Map<String, String> found = new HashMap<>();
        for (String id : ids) {
            db.sql("SELECT sweep_id FROM sweep_trials WHERE " + column + " = ?").param(id).query(String.class).optional()
                    .ifPresent(sweep -> found.put(id, sweep));
        }
        return found;
    }

    private static SweepRow sweep(ResultSet rs, int row) throws SQLException {
        int patience = rs.getInt("patience");
        Integer patienceOrNull = rs.wasNull() ? null : patience;
        return new SweepRow(rs.getString("id"), rs.getString("name"), SweepState.valueOf(rs.getString("state")),
                SweepMetric.parse(rs.getString("metric")), rs.getString("direction"), patienceOrNull,
                JSON.readValue(rs.getString("search_space"), OBJECT), DatabaseTime.read(rs, "created_at"),
                DatabaseTime.read(rs, "finished_at"), rs.getString("stop_reason"));
    }

    private static TrialRow trial(ResultSet rs, int row) throws SQLException {
        StoredPlan stored = JSON.readValue(rs.getString("plan"), StoredPlan.class);
        TrialPlan plan = new TrialPlan(JSON.readValue(rs.getString("parameters"), OBJECT),
                new TrialPlan.ModelPlan(stored.modelName(), stored.modelDescription(),
                        DefinitionJson.fromJson(stored.definition()), stored.seed(), stored.lossEpsilon()),
                stored.job());
        double metric = rs.getDouble("metric");
        Double metricOrNull = rs.wasNull() ? null : metric;
        int version = rs.getInt("version");
        Integer versionOrNull = rs.wasNull() ? null : version;
        int order = rs.getInt("finished_order");
        Integer orderOrNull = rs.wasNull() ? null : order;
        return new TrialRow(rs.getString("sweep_id"), rs.getInt("trial"), plan, TrialState.valueOf(rs.getString("state")),
                rs.getString("model_id"), rs.getString("job_id"), metricOrNull, versionOrNull,
                rs.getString("failure_reason"), orderOrNull, DatabaseTime.read(rs, "finished_at"));
    }
}
