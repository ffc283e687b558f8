package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingCheckpoint;
import dev.chainrule.engine.training.TrainingListener;
import dev.chainrule.engine.training.TrainingOutcome;
import dev.chainrule.engine.training.TrainingResult;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelVersion;
import dev.chainrule.storage.DatabaseTime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs one claimed job to its end: reads its data, standardises, trains with checkpoints, writes each epoch for
 * every replica's followers, and stores the version. Every write names the claim's lease; one that finds the lease
 * gone stops the run without another write (the replica that holds it now continues the job).
 */
@Component
class JobRunner {
    /** The length of jobs.failure_reason (V1 migration). */
    static final int MAX_FAILURE_REASON = 4000;
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final ModelService models;
    private final JobData data;
    private final JobRepository records;
    private final JobEventLog events;
    private final JobLeases leases;
    private final JobFiles files;
    private final DatabaseRetry retry;
    private final Provenance provenance;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final ChainruleProperties.Jobs settings;
    private final Counter samplesTrained;
    private final Timer epochDuration;
    private final Counter checkpointFailures;
    private final AtomicLong lastThroughput = new AtomicLong();
    /** Splits the engine's threads among the jobs running here. */
    private final ComputeShares shares;

    JobRunner(ModelService models, JobData data, JobRepository records, JobEventLog events, JobLeases leases,
              JobFiles files, DatabaseRetry retry, Provenance provenance, TransactionTemplate transaction, Clock clock,
              ChainruleProperties properties, MeterRegistry meters, ComputeShares shares) {
        this.models = models;
        this.shares = shares;
        this.data = data;
        this.records = records;
        this.events = events;
        this.leases = leases;
        this.files = files;
        this.retry = retry;
        this.provenance = provenance;
        this.transaction = transaction;
        this.clock = clock;
        this.settings = properties.jobs();
        this.samplesTrained = Counter.builder("chainrule.training.samples")
                .description("Training samples processed (one per row per epoch)").register(meters);
        this.epochDuration = Timer.builder("chainrule.training.epoch.duration")
                .description("Wall time of one training epoch, validation included").register(meters);
        this.checkpointFailures = Counter.builder("chainrule.jobs.checkpoint.failures")
                .description("Checkpoints that could not be written (the job goes on; the next epoch tries again)")
                .register(meters);
        Gauge.builder("chainrule.training.throughput", lastThroughput, v -> Double.longBitsToDouble(v.get()))
                .description("Samples per second of the most recent epoch").register(meters);
    }

    /**
     * Runs the claimed job until it ends, is cancelled, loses its lease, or the replica shuts down (then the job's
     * lease is released at once, so another replica continues it from its last checkpoint).
     */
    void run(ClaimedJob claimed, BooleanSupplier shuttingDown) {
        guarded(claimed, shuttingDown, () -> train(claimed, claimed.row().spec(), claimed.row().checkpoint(),
                shuttingDown));
    }

    /**
     * Runs a claimed job's work (training, or a {@link ScoringRun}) unless it was cancelled before it started, and ends
     * it as whatever stopped the work says: a lost lease writes nothing, a shutdown hands the job over, anything else
     * fails it.
     */
    void guarded(ClaimedJob claimed, BooleanSupplier shuttingDown, Runnable work) {
        TrainingJob job = claimed.job();
        String kind = job.kind().name().toLowerCase(java.util.Locale.ROOT);
        try {
            if (claimed.row().cancelRequested() || job.isCancelRequested()) {
                end(claimed, JobStatus.CANCELLED, null);
                return;
            }
            job.started(claimed.row().startedAt(), claimed.lease().owner());
            work.run();
        } catch (LeaseLostException e) {
            claimed.loseLease();
            log.warn(e.getMessage());
        } catch (JobPausedException e) {
            log.warn(e.getMessage());
        } catch (UnreadableDatasetException e) {
            log.warn("{} job {} failed: {}", kind, job.id(), e.getMessage());
            end(claimed, JobStatus.FAILED, e.getMessage());
        } catch (RuntimeException | Error e) {
            if (claimed.leaseLost()) {
                log.info("{} job {} stopped: its lease was lost", kind, job.id());
            } else if (DatabaseRetry.isOutage(e)) {
                log.warn("{} job {} stopped: the database is unreachable; it continues when a replica claims it again",
                        kind, job.id(), e);
            } else if (shuttingDown.getAsBoolean()) {
                log.info("{} job {} stopped by shutdown; another replica or the next start continues it", kind, job.id());
                release(claimed);
            } else {
                log.warn("{} job {} failed", kind, job.id(), e);
                end(claimed, JobStatus.FAILED, kind + " failed: " + e);
            }
        }
    }

    /** @param checkpoint the record's checkpoint file to continue from, or null to start from the beginning */
    private void train(ClaimedJob claimed, TrainingJobSpec spec, String checkpoint, BooleanSupplier shuttingDown) {
        TrainingJob job = claimed.job();
        JobLease lease = claimed.lease();
        JobTimings timings = new JobTimings();
        timings.queued(claimed.row().createdAt(), claimed.row().startedAt());
        Model model = models.get(spec.modelId());
        Dataset[] raw = data.rows(spec, new TargetEncoding(model.definition().loss(), model.definition().outputWidth()));
        timings.lap("read");
        Map<String, Object> madeBy = provenance.of(job.id(), claimed.row().settings(), spec, model, raw);
        timings.lap("provenance");
        Network network;
        Standardiser standardiser;
        if (spec.fromVersion() != null) {
            TrainedModel start = models.version(spec.modelId(), spec.fromVersion()).trainedModel();
            network = start.network().copy();
            standardiser = start.standardiser();
        } else {
            network = Network.create(model.definition(), DataType.FLOAT, model.lossEpsilon());
            network.initialise(model.seed());
            timings.lap("network");
            standardiser = spec.standardise() ? Standardiser.fit(raw[0].features()) : null;
        }
        timings.lap("statistics");
        Dataset training = standardise(raw[0], standardiser);
        Dataset validation = raw[1] == null ? null : standardise(raw[1], standardiser);
        timings.lap("standardise");
        int rows = training.size();
        int batchesPerEpoch = TrainingJobSpec.batchesPerEpoch(spec.config(), rows);
        TrainingCheckpoint resumeFrom = null;
        if (checkpoint != null && files.exists(checkpoint)) {
            resumeFrom = files.readCheckpoint(checkpoint, network);
        } else if (checkpoint != null) {
            // cannot happen with a durable store; starting over still ends with the same weights, only later
            log.warn("job {}: checkpoint {} is missing; the job starts over", job.id(), checkpoint);
            checkpoint = null;
        }
        if (resumeFrom != null || claimed.lease().attempt() > 1) {
            log.info("job {} continues on {} (attempt {}) after epoch {}", job.id(), lease.owner(), lease.attempt(),
                    resumeFrom == null ? 0 : resumeFrom.epochsCompleted());
        }
        job.resumeAt(resumeFrom == null ? List.of() : resumeFrom.history(),
                resumeFrom == null ? 0 : (long) resumeFrom.epochsCompleted() * batchesPerEpoch);
        String[] lastCheckpoint = {checkpoint, null}; // the newest checkpoint file, and the one before it
        long intervalNanos = settings.checkpointInterval().toNanos();
        long[] lastCheckpointAt = {System.nanoTime()};
        timings.lap("resume");
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
                job.batchDone(epoch);
            }

            /** The epoch's row first (every replica's followers read it), then this replica's followers. */
            @Override
            public void onEpoch(EpochReport report) {
                samplesTrained.increment(rows);
                epochDuration.record(report.durationNanos(), TimeUnit.NANOSECONDS);
                lastThroughput.set(Double.doubleToLongBits(rows / (report.durationNanos() / 1e9)));
                long start = System.nanoTime();
                if (!retry.write(claimed, "epoch " + report.epoch(), () -> events.append(lease, report, now()))) {
                    throw new LeaseLostException(lease);
                }
                timings.add("epoch-records", System.nanoTime() - start);
                job.epochDone(report);
            }

            /** Every chainrule.jobs.checkpoint-interval at most (each checkpoint holds the whole history). */
            @Override
            public boolean wantsCheckpoint(int epoch) {
                return System.nanoTime() - lastCheckpointAt[0] >= intervalNanos;
            }

            /**
             * The checkpoint's file, then the record naming it, then the previous file goes. A checkpoint only serves
             * a resume: one that cannot be written (a full disk, a storage outage) is counted and the job goes on,
             * trying again at the next epoch.
             */
            @Override
            public void onCheckpoint(TrainingCheckpoint state) {
                long start = System.nanoTime();
                String file;
                try {
                    file = files.writeCheckpoint(lease, state);
                } catch (java.io.UncheckedIOException | JobFiles.StorageException e) {
                    checkpointFailures.increment();
                    log.warn("job {}: could not write the checkpoint after epoch {}; training goes on and tries again "
                            + "at the next epoch", job.id(), state.epochsCompleted(), e);
                    return;
                }
                List<EpochReport> history = new ArrayList<>();
                long batches = job.batchesDoneWith(history);
                if (!retry.write(claimed, "the checkpoint's record", () -> records.epochDone(lease, history, batches, file))) {
                    files.delete(job.id(), file);
                    throw new LeaseLostException(lease);
                }
                // the one before stays until the next epoch: the previous record may still name it if this
                // commit is lost in a crash (the orphan sweep removes whichever one no record names)
                if (lastCheckpoint[1] != null) {
                    files.delete(job.id(), lastCheckpoint[1]);
                }
                lastCheckpoint[1] = lastCheckpoint[0];
                lastCheckpoint[0] = file;
                lastCheckpointAt[0] = System.nanoTime();
                timings.checkpointWritten(lastCheckpointAt[0] - start);
            }
        };
        long fitStart = System.nanoTime();
        TrainingResult result;
        try (ComputeShares.Share threads = shares.join()) {
            result = new Trainer(network, spec.config()).withThreads(threads).fit(training, validation, listener,
                    () -> job.isCancelRequested() || claimed.leaseLost() || shuttingDown.getAsBoolean(), resumeFrom);
        }
        // the epochs' own time: the fit's without the records and checkpoints its listener wrote
        timings.add("epochs", System.nanoTime() - fitStart - timings.nanos("epoch-records") - timings.nanos("checkpoints"));
        timings.mark();
        if (result.outcome() == TrainingOutcome.CANCELLED) {
            if (job.isCancelRequested()) {
                end(claimed, JobStatus.CANCELLED, null);
            } else if (claimed.leaseLost()) {
                log.warn("job {}: attempt {} lost its lease; it stops and writes nothing more", job.id(), lease.attempt());
            } else {
                release(claimed); // shutdown: another replica (or the next start) continues after the last checkpoint
            }
            return;
        }
        if (result.outcome() == TrainingOutcome.DIVERGED) {
            end(claimed, JobStatus.FAILED, result.failureReason());
            return;
        }
        EpochReport last = result.lastEpoch();
        EpochReport best = result.bestEpoch() > 0 ? result.history().get(result.bestEpoch() - 1) : last;
        boolean restored = spec.config().earlyStopping() != null && spec.config().earlyStopping().restoreBest();
        EpochReport reported = restored ? best : last;
        Map<String, Double> metrics = reported.validationLoss() != null ? reported.validationMetrics() : reported.trainingMetrics();
        String endReason = result.outcome() == TrainingOutcome.EARLY_STOPPED ? "early_stopped" : "completed";
        Instant finished = now();
        // the version and the job's end in one transaction: a crash between them must not train it twice, and a
        // replica that lost the lease meanwhile adds no version (its end changes no row, so both roll back)
        ModelVersion version = retry.storing(claimed, "the version", () -> retry.write(claimed, "the version",
                () -> transaction.execute(status -> {
            ModelVersion v = models.addVersion(model.id(), new TrainedModel(network, standardiser),
                    new ModelVersion.Summary(job.id(), finished, last.epoch(), reported.trainingLoss(),
                            reported.validationLoss(), metrics, madeBy));
            if (!records.finished(lease, JobStatus.SUCCEEDED, finished, job.history(), job.batchesDone(), null, endReason,
                    v.number(), metrics)) {
                throw new LeaseLostException(lease);
            }
            return v;
        })));
        timings.lap("version");
        files.deleteAll(job.id());
        timings.lap("cleanup");
        // where a job's time went, for operators (docs/speed.md: the service's overhead over the engine's)
        log.info("job {} phases: {}", job.id(), timings.line());
        job.succeeded(finished, version.number(), metrics, endReason);
    }

    /**
     * Records the end of a job without a version, then shows it. A job whose end could not be recorded because its
     * lease is gone shows nothing here: the replica that holds it now ends it.
     */
    void end(ClaimedJob claimed, JobStatus status, String reason) {
        TrainingJob job = claimed.job();
        String failureReason = storedFailureReason(reason);
        Instant now = now();
        try {
            if (!retry.write(claimed, "the end", () -> records.finished(claimed.lease(), status, now, job.history(),
                    job.batchesDone(), failureReason, null, null, Map.of()))) {
                claimed.loseLease();
                log.warn("job {}: its end ({}) was not recorded: attempt {} no longer holds the lease", job.id(), status,
                        claimed.lease().attempt());
                return;
            }
            files.deleteAll(job.id());
        } catch (JobPausedException e) {
            log.warn("job {}: its end ({}) could not be recorded; a replica runs it again from its last checkpoint",
                    job.id(), status, e);
            return;
        } catch (RuntimeException e) {
            log.error("could not record the end of job {} ({})", job.id(), status, e);
        }
        switch (status) {
            case CANCELLED -> job.cancelled(now);
            case FAILED -> job.failed(now, failureReason);
            default -> throw new IllegalArgumentException("not an end without a version: " + status);
        }
    }

    void release(ClaimedJob claimed) {
        try {
            if (leases.release(claimed.lease())) {
                log.info("job {}: lease released for another replica to continue it", claimed.job().id());
            }
        } catch (RuntimeException e) {
            log.warn("job {}: could not release its lease; it is taken over when the lease expires", claimed.job().id(), e);
        }
    }

    /** The reason as the record can hold it: an exception's text can be longer than the column, cut with an ellipsis. */
    static String storedFailureReason(String reason) {
        if (reason == null || reason.length() <= MAX_FAILURE_REASON) {
            return reason;
        }
        int end = MAX_FAILURE_REASON - 1;
        // never half a surrogate pair (a user's dataset name may hold one): it would be stored as '?'
        if (Character.isHighSurrogate(reason.charAt(end - 1))) {
            end--;
        }
        return reason.substring(0, end) + "\u2026";
    }

    /** In place: the job's rows were read for it alone, and the raw values are not needed once provenance has them. */
    private static Dataset standardise(Dataset data, Standardiser standardiser) {
        return standardiser == null ? data : new Dataset(standardiser.applyInPlace(data.features()), data.targets());
    }

    /** Instants as the database keeps them (microseconds), so a job reads back as it was. */
    private Instant now() {
        return DatabaseTime.now(clock);
    }
}
