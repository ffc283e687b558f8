package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.dataset.DatasetNotFoundException;
import dev.chainrule.dataset.DatasetRows;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelVersion;
import dev.chainrule.model.VersionNotFoundException;
import dev.chainrule.prediction.PredictionService;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.DatabaseTime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one claimed scoring job: streams the stored dataset a chunk of rows at a time through the version's predict
 * path (its standardisation, then the network), writes each chunk's outputs to a local file in the dataset's row
 * order and adds them to the metrics, then stores the file whole and names it in the job's record. A run that stops
 * before its end (cancel, lost lease, shutdown) stores nothing; the next claim scores again from row 0, so only a
 * complete result is ever named.
 */
@Component
class ScoringRun {
    private static final Logger log = LoggerFactory.getLogger(ScoringRun.class);

    private final ModelService models;
    private final DatasetService datasets;
    private final PredictionService predictions;
    private final BlobStore blobs;
    private final JobRepository records;
    private final JobFiles files;
    private final JobRunner runner;
    private final DatabaseRetry retry;
    private final Clock clock;
    private final int chunkRows;

    ScoringRun(ModelService models, DatasetService datasets, PredictionService predictions, BlobStore blobs,
               JobRepository records, JobFiles files, JobRunner runner, DatabaseRetry retry, Clock clock,
               ChainruleProperties properties) {
        this.models = models;
        this.datasets = datasets;
        this.predictions = predictions;
        this.blobs = blobs;
        this.records = records;
        this.files = files;
        this.runner = runner;
        this.retry = retry;
        this.clock = clock;
        this.chunkRows = properties.jobs().scoringChunkRows();
    }

    void run(ClaimedJob claimed, BooleanSupplier shuttingDown) {
        runner.guarded(claimed, shuttingDown, () -> score(claimed, shuttingDown));
    }

    private void score(ClaimedJob claimed, BooleanSupplier shuttingDown) {
        TrainingJob job = claimed.job();
        ScoringSettings spec = claimed.row().scoring();
        Model model = models.get(job.modelId());
        ModelVersion version;
        StoredDataset stored;
        try {
            version = models.version(model.id(), spec.version());
            stored = datasets.get(spec.datasetId());
        } catch (VersionNotFoundException | DatasetNotFoundException e) {
            throw new UnreadableDatasetException("cannot score: " + e.getMessage());
        }
        NetworkDefinition definition = model.definition();
        int d = definition.inputWidth();
        int k = definition.outputWidth();
        int fileTargets = stored.summary().targetColumns().size();
        if (stored.summary().featureColumns().size() != d) {
            throw new UnreadableDatasetException("dataset " + stored.id() + " has " + stored.summary().featureColumns().size()
                    + " feature columns; the model takes " + d);
        }
        LossKind loss = definition.loss();
        TargetEncoding encoding = new TargetEncoding(loss, k);
        String omitted = encoding.checkColumnCount(fileTargets);
        ScoringMetrics metrics = omitted == null ? new ScoringMetrics(loss, k, model.lossEpsilon()) : null;
        boolean classIndex = hasClassIndex(loss, k);
        List<String> columns = ScoresFile.columns(k, classIndex);
        int width = columns.size();
        float[] features = new float[Math.multiplyExact(chunkRows, d)];
        float[] raw = new float[Math.multiplyExact(chunkRows, fileTargets)];
        float[] targets = new float[Math.multiplyExact(chunkRows, k)];
        float[] out = new float[Math.multiplyExact(chunkRows, width)];
        if (claimed.lease().attempt() > 1) {
            log.info("scoring job {} starts again from row 0 on {} (attempt {})", job.id(), claimed.lease().owner(),
                    claimed.lease().attempt());
        }
        job.rowsScored(0);
        long done = 0;
        Path temp = null;
        try {
            temp = blobs.newTempFile();
            try (DatasetRows rows = datasets.rows(stored);
                 ScoresFile.Writer writer = new ScoresFile.Writer(temp, rows.rows(), columns)) {
                int height;
                while ((height = rows.next(features, raw, chunkRows)) > 0) {
                    if (job.isCancelRequested() || claimed.leaseLost() || shuttingDown.getAsBoolean()) {
                        stopped(claimed);
                        return;
                    }
                    float[] outputs = predictions.predict(version, features, height);
                    for (int r = 0; r < height; r++) {
                        System.arraycopy(outputs, r * k, out, r * width, k);
                        if (classIndex) {
                            out[r * width + k] = k == 1 ? (outputs[r] >= 0.5f ? 1 : 0) : argMax(outputs, r * k, k);
                        }
                    }
                    writer.write(out, height);
                    if (metrics != null) {
                        omitted = encode(encoding, stored, raw, fileTargets, targets, height, done);
                        if (omitted == null) {
                            metrics.add(outputs, targets, height);
                        } else {
                            metrics = null;
                        }
                    }
                    done += height;
                    job.rowsScored(done);
                }
            }
            store(claimed, temp, done, columns, metrics, omitted);
        } catch (IOException e) {
            throw new UnreadableDatasetException("cannot score dataset " + stored.id() + ": " + e.getMessage());
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    log.debug("could not delete {}; the orphan sweep will", temp, e);
                }
            }
        }
    }

    /** The result file under a key of its own, then the record naming it; a lost lease leaves the file to go. */
    private void store(ClaimedJob claimed, Path temp, long rows, List<String> columns, ScoringMetrics metrics,
                       String omitted) {
        JobLease lease = claimed.lease();
        String key = "scores/" + lease.jobId() + "/" + lease.attempt() + "-" + UUID.randomUUID() + ".f32";
        retry.storing(claimed, "the result", () -> {
            try {
                return blobs.put(key, sink -> Files.copy(temp, sink));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot store the result of job " + lease.jobId(), e);
            }
        });
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("rows", rows);
        summary.put("columns", columns);
        Map<String, Object> values = metrics == null ? Map.of() : metrics.result();
        summary.put("metrics", metrics == null ? null : values);
        summary.put("metricsOmitted", omitted);
        Map<String, Double> scalars = ScoringMetrics.scalars(values);
        Instant now = DatabaseTime.now(clock);
        if (!retry.write(claimed, "the result", () -> records.scored(lease, now, rows, key,
                JobRepository.JSON.writeValueAsString(summary), scalars))) {
            files.delete(lease.jobId(), key);
            throw new LeaseLostException(lease);
        }
        log.info("scoring job {} scored {} rows into {}", lease.jobId(), rows, key);
        claimed.job().scored(now, scalars);
    }

    /** A run that stops before its end: cancelled, or handed over (its lease lost, or a shutdown). */
    private void stopped(ClaimedJob claimed) {
        if (claimed.job().isCancelRequested()) {
            runner.end(claimed, JobStatus.CANCELLED, null);
        } else if (!claimed.leaseLost()) {
            runner.release(claimed);
        }
    }

    /**
     * A chunk's target values as the network's targets (one-hot rows for class ids), into {@code targets}.
     *
     * @return null, or why a value cannot be compared with the outputs (then the job has no metrics)
     */
    private static String encode(TargetEncoding encoding, StoredDataset stored, float[] raw, int fileTargets,
                                 float[] targets, int height, long firstRow) {
        int k = encoding.outputWidth();
        Arrays.fill(targets, 0, height * k, 0f);
        List<String> names = stored.summary().targetColumns();
        boolean oneValue = fileTargets == 1 && encoding.takesOneValue();
        for (int r = 0; r < height; r++) {
            String where = "row " + (firstRow + r);
            if (oneValue) {
                String problem = encoding.encodeOne(raw[r], TargetEncoding.shown(raw[r]), targets, r);
                if (problem != null) {
                    return where + ", column '" + names.get(0) + "': " + problem;
                }
                continue;
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                String problem = encoding.checkValue(raw[r * k + c]);
                if (problem != null) {
                    return where + ", column '" + names.get(c) + "': " + problem;
                }
                targets[r * k + c] = raw[r * k + c];
                sum += raw[r * k + c];
            }
            String problem = encoding.checkRowSum(sum);
            if (problem != null) {
                return where + ", target columns " + names + ": " + problem;
            }
        }
        return null;
    }

    /** Whether a result has a class index column: a softmax classifier's arg max, or a single logistic output's 0/1. */
    static boolean hasClassIndex(LossKind loss, int outputs) {
        return loss == LossKind.CROSS_ENTROPY || loss == LossKind.LOG_LOSS && outputs == 1;
    }

    static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int j = 1; j < length; j++) {
            if (values[offset + j] > values[offset + best]) {
                best = j;
            }
        }
        return best;
    }
}
