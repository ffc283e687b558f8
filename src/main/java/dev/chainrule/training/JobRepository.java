package dev.chainrule.training;

import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.storage.DatabaseTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The jobs table (db/migration): every job's record, from queue to end, and where its data and checkpoint are. A
 * finished job lives only here: the service keeps queued and running jobs in memory, and reads the others back.
 */
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
     * What a job needs to run (again), besides where its rows are: the spec's settings, kept as JSON.
     *
     * @param trainingRows    rows of training data, for the planned batch count
     * @param validationSplit the rows of the training rows held out for validation, or null (absent from records
     *                        of jobs written before inline rows were split as they are read: those split them when
     *                        they were submitted, into two files)
     */
    record Settings(TrainingConfig config, Integer fromVersion, boolean standardise, int trainingRows,
                    Validation.Split validationSplit) {
    }

    /** A jobs row. */
    record JobRow(String id, String modelId, JobStatus status, Settings settings, String trainingDatasetId,
                  String validationDatasetId, String trainingFile, String validationFile, Instant createdAt,
                  Instant startedAt, Instant finishedAt, List<EpochReport> history, long batchesDone,
                  String checkpoint, String failureReason, String endReason, Integer resultVersion,
                  Map<String, Double> finalMetrics, String owner, int attempt, boolean cancelRequested,
                  JobKind kind, ScoringSettings scoring, String resultFile, String resultSummary) {
        /** A training job's row (settings given, no scoring). */
        JobRow(String id, String modelId, JobStatus status, Settings settings, String trainingDatasetId,
               String validationDatasetId, String trainingFile, String validationFile, Instant createdAt,
               Instant startedAt, Instant finishedAt, List<EpochReport> history, long batchesDone, String checkpoint,
               String failureReason, String endReason, Integer resultVersion, Map<String, Double> finalMetrics,
               String owner, int attempt, boolean cancelRequested) {
            this(id, modelId, status, settings, trainingDatasetId, validationDatasetId, trainingFile, validationFile,
                    createdAt, startedAt, finishedAt, history, batchesDone, checkpoint, failureReason, endReason,
                    resultVersion, finalMetrics, owner, attempt, cancelRequested, JobKind.TRAINING, null, null, null);
        }

        /**
         * A new training job's row: where its rows are goes to the columns that name a dataset or a file (so a
         * dataset's delete sees the job, and the orphan sweep the files), the validation split to its settings.
         */
        static JobRow queued(String id, TrainingJobSpec spec, Instant createdAt) {
            Validation validation = spec.validation();
            RowSource ownValidation = validation instanceof Validation.OwnRows own ? own.rows() : null;
            Settings settings = new Settings(spec.config(), spec.fromVersion(), spec.standardise(), spec.trainingRows(),
                    validation instanceof Validation.Split split ? split : null);
            return new JobRow(id, spec.modelId(), JobStatus.QUEUED, settings, datasetId(spec.training()),
                    datasetId(ownValidation), file(spec.training()), file(ownValidation), createdAt, null, null,
                    List.of(), 0, null, null, null, null, null, null, 0, false);
        }

        /**
         * The job to run, as its row names its rows: a file of its own (one the request's rows were stored in, or,
         * in records of earlier versions, a copy of a dataset's rows) before a dataset.
         *
         * @throws IllegalStateException when the row names no training rows (a scoring job, or one that has ended)
         */
        TrainingJobSpec spec() {
            RowSource training = source(trainingFile, trainingDatasetId);
            if (training == null || settings == null) {
                throw new IllegalStateException("job " + id + ": its record names no training rows to run on");
            }
            RowSource ownValidation = source(validationFile, validationDatasetId);
            Validation validation = ownValidation != null ? new Validation.OwnRows(ownValidation)
                    : settings.validationSplit() != null ? settings.validationSplit() : Validation.NONE;
            return new TrainingJobSpec(modelId, training, validation, settings.trainingRows(), settings.config(),
                    settings.fromVersion(), settings.standardise());
        }

        private static RowSource source(String file, String datasetId) {
            return file != null ? new RowSource.JobRowsFile(file)
                    : datasetId != null ? new RowSource.UploadedDataset(datasetId) : null;
        }

        private static String datasetId(RowSource source) {
            return source instanceof RowSource.UploadedDataset dataset ? dataset.datasetId() : null;
        }

        private static String file(RowSource source) {
            if (source instanceof RowSource.RequestRows) {
                throw new IllegalArgumentException("a request's rows are stored in a file of the job before its row names them");
            }
            return source instanceof RowSource.JobRowsFile file ? file.key() : null;
        }
    }

    void insert(JobRow job) {
        db.sql("""
                INSERT INTO jobs (id, model_id, status, spec, training_dataset_id, validation_dataset_id, training_file,
                                  validation_file, created_at, history, kind, scored_dataset_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(job.id(), job.modelId(), job.status().name(),
                        JSON.writeValueAsString(job.kind() == JobKind.SCORING ? job.scoring() : job.settings()),
                        job.trainingDatasetId(), job.validationDatasetId(), job.trainingFile(), job.validationFile(),
                        DatabaseTime.parameter(job.createdAt()), "[]", job.kind().name(),
                        job.scoring() == null ? null : job.scoring().datasetId())
                .update();
    }

    /** Whether a queued or running job's record names the dataset, as its training or its validation rows. */
    boolean activeJobUses(String datasetId) {
        return db.sql("""
                SELECT count(*) FROM jobs WHERE status IN ('QUEUED', 'RUNNING')
                AND (training_dataset_id = ? OR validation_dataset_id = ? OR scored_dataset_id = ?)""")
                .params(datasetId, datasetId, datasetId).query(Long.class).single() > 0;
    }

    /**
     * An epoch's end: the history so far and (when one was written) the checkpoint to resume from.
     *
     * @return false when the lease is no longer held: nothing was written
     */
    boolean epochDone(JobLease lease, List<EpochReport> history, long batchesDone, String checkpoint) {
        return db.sql("""
                UPDATE jobs SET history = ?, batches_done = ?, checkpoint = coalesce(?, checkpoint)
                WHERE id = ? AND owner = ? AND attempt = ? AND status = 'RUNNING'""")
                .params(JSON.writeValueAsString(history), batchesDone, checkpoint, lease.jobId(), lease.owner(),
                        lease.attempt()).update() == 1;
    }

    /**
     * The end, with the whole history (the record is all that shows a finished job, so it holds every epoch the job
     * reported, even one whose checkpoint failed); the job's data and checkpoint are no longer needed, so their
     * names go too.
     */
    boolean finished(JobLease lease, JobStatus status, Instant finishedAt, List<EpochReport> history, long batchesDone,
                     String failureReason, String endReason, Integer resultVersion, Map<String, Double> finalMetrics) {
        return db.sql("""
                UPDATE jobs SET status = ?, finished_at = ?, history = ?, batches_done = ?, failure_reason = ?,
                                end_reason = ?, result_version = ?, final_metrics = ?, checkpoint = NULL,
                                training_file = NULL, validation_file = NULL, lease_expires_at = NULL
                WHERE id = ? AND owner = ? AND attempt = ? AND status = 'RUNNING'""")
                .params(status.name(), DatabaseTime.parameter(finishedAt), JSON.writeValueAsString(history), batchesDone,
                        failureReason, endReason, resultVersion,
                        finalMetrics == null ? null : JSON.writeValueAsString(finalMetrics), lease.jobId(), lease.owner(),
                        lease.attempt())
                .update() == 1;
    }

    /**
     * A scoring job's successful end: the result file (stored whole before this names it), what it holds, and its
     * scalar metrics.
     *
     * @return false when the lease is no longer held: nothing was written
     */
    boolean scored(JobLease lease, Instant finishedAt, long rowsDone, String resultFile, String resultSummary,
                   Map<String, Double> finalMetrics) {
        return db.sql("""
                UPDATE jobs SET status = 'SUCCEEDED', finished_at = ?, batches_done = ?, result_file = ?,
                                result_summary = ?, final_metrics = ?, end_reason = 'completed', lease_expires_at = NULL
                WHERE id = ? AND owner = ? AND attempt = ? AND status = 'RUNNING'""")
                .params(DatabaseTime.parameter(finishedAt), rowsDone, resultFile, resultSummary,
                        JSON.writeValueAsString(finalMetrics), lease.jobId(), lease.owner(), lease.attempt())
                .update() == 1;
    }

    /**
     * Cancels a job that no replica has claimed yet, at once.
     *
     * @return false when it was no longer queued
     */
    boolean cancelQueued(String id, Instant finishedAt) {
        return db.sql("""
                UPDATE jobs SET status = 'CANCELLED', finished_at = ?, cancel_requested = TRUE, training_file = NULL,
                                validation_file = NULL
                WHERE id = ? AND status = 'QUEUED'""")
                .params(DatabaseTime.parameter(finishedAt), id).update() == 1;
    }

    /** Asks the owner of a running job to stop it: it learns so at its next lease renewal. */
    void requestCancel(String id) {
        db.sql("UPDATE jobs SET cancel_requested = TRUE WHERE id = ? AND status IN ('QUEUED', 'RUNNING')").param(id).update();
    }

    /** Queued and running jobs of every replica: what the queue's bound counts. */
    long countActive() {
        return db.sql("SELECT count(*) FROM jobs WHERE status IN ('QUEUED', 'RUNNING')").query(Long.class).single();
    }

    /** Queued and running jobs of one model, on any replica. */
    int activeJobsOf(String modelId) {
        return db.sql("SELECT count(*) FROM jobs WHERE model_id = ? AND status IN ('QUEUED', 'RUNNING')").param(modelId)
                .query(Long.class).single().intValue();
    }

    /** The status of each job named, for those that exist. */
    Map<String, JobStatus> statuses(java.util.Collection<String> ids) {
        Map<String, JobStatus> found = new java.util.HashMap<>();
        for (String id : ids) {
            db.sql("SELECT status FROM jobs WHERE id = ?").param(id).query(String.class).optional()
                    .ifPresent(status -> found.put(id, JobStatus.valueOf(status)));
        }
        return found;
    }

    Optional<JobRow> find(String id) {
        return db.sql("SELECT * FROM jobs WHERE id = ?").param(id).query(JobRepository::row).optional();
    }

    /** A page of the jobs, oldest first, of one model and/or in one state when those are given (null: any). */
    List<JobRow> page(String modelId, JobStatus status, int offset, int limit) {
        Filter filter = new Filter(modelId, status);
        List<Object> params = new ArrayList<>(filter.params);
        params.add(limit);
        params.add(offset);
        return db.sql("SELECT * FROM jobs" + filter.where + " ORDER BY seq LIMIT ? OFFSET ?").params(params)
                .query(JobRepository::row).list();
    }

    /** How many jobs {@link #page} pages through. */
    long count(String modelId, JobStatus status) {
        Filter filter = new Filter(modelId, status);
        return db.sql("SELECT count(*) FROM jobs" + filter.where).params(filter.params).query(Long.class).single();
    }

    /** The WHERE clause (empty without conditions) and its parameters for a model and/or a state. */
    private static final class Filter {
        final String where;
        final List<Object> params = new ArrayList<>();

        Filter(String modelId, JobStatus status) {
            List<String> conditions = new ArrayList<>();
            if (modelId != null) {
                conditions.add("model_id = ?");
                params.add(modelId);
            }
            if (status != null) {
                conditions.add("status = ?");
                params.add(status.name());
            }
            where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
        }
    }

    static JobRow row(ResultSet rs, int row) throws SQLException {
        int version = rs.getInt("result_version");
        Integer resultVersion = rs.wasNull() ? null : version;
        String metrics = rs.getString("final_metrics");
        JobKind kind = JobKind.valueOf(rs.getString("kind"));
        boolean scoring = kind == JobKind.SCORING;
        return new JobRow(rs.getString("id"), rs.getString("model_id"), JobStatus.valueOf(rs.getString("status")),
                scoring ? null : JSON.readValue(rs.getString("spec"), Settings.class), rs.getString("training_dataset_id"),
                rs.getString("validation_dataset_id"), rs.getString("training_file"), rs.getString("validation_file"),
                DatabaseTime.read(rs, "created_at"), DatabaseTime.read(rs, "started_at"), DatabaseTime.read(rs, "finished_at"),
                JSON.readValue(rs.getString("history"), HISTORY), rs.getLong("batches_done"), rs.getString("checkpoint"),
                rs.getString("failure_reason"), rs.getString("end_reason"), resultVersion,
                metrics == null ? Map.of() : JSON.readValue(metrics, METRICS), rs.getString("owner"), rs.getInt("attempt"),
                rs.getBoolean("cancel_requested"), kind,
                scoring ? JSON.readValue(rs.getString("spec"), ScoringSettings.class) : null, rs.getString("result_file"),
                rs.getString("result_summary"));
    }
}
