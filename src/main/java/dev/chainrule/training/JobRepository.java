package dev.chainrule.training;

import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.storage.DatabaseTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The jobs table (db/migration): every job's record, from queue to end, and where its data and checkpoint are. */
@Repository
class JobRepository {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<List<EpochReport>> HISTORY = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, Double>> METRICS = new TypeReference<>() {
    };

    private final JdbcClient db;

    JobRepository(JdbcClient db) {
        this.db = db;
    }

    /**
     * What a job needs to run (again), besides its data: the spec's settings.
     *
     * @param trainingRows    rows of training data, for the planned batch count
     * @param validationSplit the rows of the training dataset held out for validation, or null (absent from records
     *                        of jobs that split their rows when they were submitted)
     */
    record Settings(TrainingConfig config, Integer fromVersion, boolean standardise, int trainingRows,
                    TrainingJobSpec.ValidationSplit validationSplit) {
    }

    /** A jobs row. */
    record JobRow(String id, String modelId, JobStatus status, Settings settings, String trainingDatasetId,
                  String validationDatasetId, String trainingFile, String validationFile, Instant createdAt,
                  Instant startedAt, Instant finishedAt, List<EpochReport> history, long batchesDone,
                  String checkpoint, String failureReason, String endReason, Integer resultVersion,
                  Map<String, Double> finalMetrics) {
    }

    void insert(JobRow job) {
        db.sql("""
                INSERT INTO jobs (id, model_id, status, spec, training_dataset_id, validation_dataset_id, training_file,
                                  validation_file, created_at, history)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(job.id(), job.modelId(), job.status().name(), JSON.writeValueAsString(job.settings()),
                        job.trainingDatasetId(), job.validationDatasetId(), job.trainingFile(), job.validationFile(),
                        DatabaseTime.parameter(job.createdAt()), "[]")
                .update();
    }

    /** Whether a queued or running job's record names the dataset, as its training or its validation rows. */
    boolean activeJobUses(String datasetId) {
        return db.sql("""
                SELECT count(*) FROM jobs WHERE status IN ('QUEUED', 'RUNNING')
                AND (training_dataset_id = ? OR validation_dataset_id = ?)""")
                .params(datasetId, datasetId).query(Long.class).single() > 0;
    }

    void started(String id, Instant startedAt) {
        db.sql("UPDATE jobs SET status = 'RUNNING', started_at = ? WHERE id = ?").params(DatabaseTime.parameter(startedAt), id).update();
    }

    /** An epoch's end: the history so far and (when one was written) the checkpoint to resume from. */
    void epochDone(String id, List<EpochReport> history, long batchesDone, String checkpoint) {
        db.sql("UPDATE jobs SET history = ?, batches_done = ?, checkpoint = coalesce(?, checkpoint) WHERE id = ?")
                .params(JSON.writeValueAsString(history), batchesDone, checkpoint, id).update();
    }

    /** The end; the job's data and checkpoint are no longer needed, so their names go too. */
    void finished(String id, JobStatus status, Instant finishedAt, long batchesDone, String failureReason,
                  String endReason, Integer resultVersion, Map<String, Double> finalMetrics) {
        db.sql("""
                UPDATE jobs SET status = ?, finished_at = ?, batches_done = ?, failure_reason = ?, end_reason = ?,
                                result_version = ?, final_metrics = ?, checkpoint = NULL, training_file = NULL,
                                validation_file = NULL
                WHERE id = ?""")
                .params(status.name(), DatabaseTime.parameter(finishedAt), batchesDone, failureReason, endReason, resultVersion,
                        finalMetrics == null ? null : JSON.writeValueAsString(finalMetrics), id)
                .update();
    }

    /** Forgets a job that was never queued (the queue was full after all). */
    void delete(String id) {
        db.sql("DELETE FROM jobs WHERE id = ?").param(id).update();
    }

    /** Every job, oldest first. */
    List<JobRow> all() {
        return db.sql("SELECT * FROM jobs ORDER BY seq").query(JobRepository::row).list();
    }

    private static JobRow row(ResultSet rs, int row) throws SQLException {
        int version = rs.getInt("result_version");
        Integer resultVersion = rs.wasNull() ? null : version;
        String metrics = rs.getString("final_metrics");
        return new JobRow(rs.getString("id"), rs.getString("model_id"), JobStatus.valueOf(rs.getString("status")),
                JSON.readValue(rs.getString("spec"), Settings.class), rs.getString("training_dataset_id"),
                rs.getString("validation_dataset_id"), rs.getString("training_file"), rs.getString("validation_file"),
                DatabaseTime.read(rs, "created_at"), DatabaseTime.read(rs, "started_at"), DatabaseTime.read(rs, "finished_at"),
                JSON.readValue(rs.getString("history"), HISTORY), rs.getLong("batches_done"), rs.getString("checkpoint"),
                rs.getString("failure_reason"), rs.getString("end_reason"), resultVersion,
                metrics == null ? Map.of() : JSON.readValue(metrics, METRICS));
    }
}
