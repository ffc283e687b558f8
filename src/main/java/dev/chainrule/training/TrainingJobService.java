package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.dataset.DatasetFile;
import dev.chainrule.dataset.DatasetNotFoundException;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.DatasetUsage;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.CheckpointFile;
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
import dev.chainrule.model.Page;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.chainrule.storage.DataDirectory;
import dev.chainrule.storage.DatabaseTime;
import jakarta.annotation.PreDestroy;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.transaction.support.TransactionTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Runs training jobs on a bounded pool of worker threads with a bounded queue. A full queue refuses new jobs
 * (nothing is created); a job that throws or diverges ends FAILED and its worker lives on.
 *
 * <p>Every job has a record in the database from the moment it is accepted. Rows given inline go to files of the
 * job's own; a stored dataset is only named by the record (with the validation split to make of it) and read when
 * the job runs, so a queued job costs a record, not a copy of its data. Every epoch's end updates the record
 * (history, checkpoint). A shutdown, graceful or not, leaves unfinished jobs'
 * records QUEUED or RUNNING: at the next start they are queued again, oldest first, and a RUNNING one continues
 * from its last checkpoint.
 *
 * <p>Memory holds the live jobs only: queued and running ones, whose objects carry progress, cancellation and
 * followers. A job leaves it once its end is recorded and shown; from then on its record is all there is, and
 * reads, listings and the per-state gauges go to the database, so memory is bounded by the active work, not by
 * history. (No cache of recently finished jobs: a poll of one is a primary-key read, and a follower keeps the
 * object it follows.)
 */
@Service
public class TrainingJobService implements DatasetUsage {
    /** The length of jobs.failure_reason (V1 migration). */
    static final int MAX_FAILURE_REASON = 4000;
    private static final Logger log = LoggerFactory.getLogger(TrainingJobService.class);
    /** How long shutdown waits for running jobs to see their cancellation. */
    static final long SHUTDOWN_WAIT_SECONDS = 30;
    /** At most this many problems of a dataset's rows are named in a failed job's reason. */
    static final int MAX_REPORTED_ROW_PROBLEMS = 10;

    private final ModelService models;
    private final DatasetService datasets;
    private final JobRepository records;
    private final DataDirectory files;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final ChainruleProperties.Jobs settings;
    private final ThreadPoolExecutor workers;
    /** Delivers jobs' events to followers, off the training workers and outside the jobs' locks. */
    private final ThreadPoolExecutor followerThreads;
    private final FollowerMailbox.Delivery followerDelivery;
    /** Queued and running jobs; a finished one is read from its record. */
    private final Map<String, TrainingJob> live = new ConcurrentHashMap<>();
    /** Tasks handed to the pool and not yet started, so a queued job can be taken out of the queue. */
    private final Map<String, Runnable> pending = new java.util.concurrent.ConcurrentHashMap<>();
    private final Counter samplesTrained;
    private final Timer epochDuration;
    private final AtomicLong lastThroughput = new AtomicLong();
    /** Unfinished jobs found at start, queued again once the service is ready. */
    private final List<JobRepository.JobRow> toResume = new ArrayList<>();
    /** Set by shutdown: running jobs stop, but their records stay unfinished so the next start resumes them. */
    private volatile boolean shuttingDown;

    public TrainingJobService(ModelService models, DatasetService datasets, JobRepository records, DataDirectory files,
                              TransactionTemplate transaction, Clock clock, ChainruleProperties properties,
                              MeterRegistry meters) {
        this.models = models;
        this.datasets = datasets;
        this.records = records;
        this.files = files;
        this.transaction = transaction;
        this.clock = clock;
        this.settings = properties.jobs();
        AtomicInteger followerThreadNumber = new AtomicInteger();
        // at most one task per follower waits here (FollowerMailbox), so the queue is bounded by the followers; a
        // stalled SSE client holds a thread until its send fails (the server's write timeout), the others' events
        // wait meanwhile, within their bound of pending events
        this.followerThreads = new ThreadPoolExecutor(settings.followerThreads(), settings.followerThreads(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "job-events-" + followerThreadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        followerThreads.allowCoreThreadTimeOut(true); // none while nobody follows
        this.followerDelivery = new FollowerMailbox.Delivery(followerThreads, settings.maxPendingEvents());
        for (JobRepository.JobRow row : records.unfinished()) {
            restore(row);
        }
        AtomicInteger threadNumber = new AtomicInteger();
        // room for every job found unfinished, even beyond the configured queue: none may be lost
        this.workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(Math.max(settings.queueCapacity(), toResume.size())), runnable -> {
                    Thread thread = new Thread(runnable, "training-worker-" + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.samplesTrained = Counter.builder("chainrule.training.samples")
                .description("Training samples processed (one per row per epoch)").register(meters);
        this.epochDuration = Timer.builder("chainrule.training.epoch.duration")
                .description("Wall time of one training epoch, validation included").register(meters);
        Gauge.builder("chainrule.training.throughput", lastThroughput, v -> Double.longBitsToDouble(v.get()))
                .description("Samples per second of the most recent epoch").register(meters);
        Gauge.builder("chainrule.jobs.queue.depth", workers, w -> w.getQueue().size())
                .description("Training jobs waiting for a worker").register(meters);
        for (JobStatus status : JobStatus.values()) {
            // polled on scrape: one count per state (indexed), together one pass over the records
            Gauge.builder("chainrule.jobs", records, repository -> repository.count(null, status))
                    .tag("state", status.name()).description("Training jobs by state").register(meters);
        }
    }

    /** Queues a job; refused with {@link QueueFullException} when every worker is busy and the queue is full. */
    public TrainingJob submit(TrainingJobSpec spec) {
        Model model = models.get(spec.modelId());
        if (spec.fromVersion() != null) {
            models.version(spec.modelId(), spec.fromVersion());
        }
        if (workers.getQueue().remainingCapacity() == 0) {
            throw queueFull(); // before anything is written; execute below still decides in a race
        }
        String id = UUID.randomUUID().toString();
        Instant now = now();
        models.jobStarted(model.id()); // refused if the model was deleted meanwhile
        JobRepository.JobRow row;
        try {
            // inline rows first (files nobody names yet), then the record that names them, then the queue
            String trainingFile = spec.training() == null ? null : writeData(id, "training", spec.training());
            String validationFile = spec.validation() == null ? null : writeData(id, "validation", spec.validation());
            JobRepository.JobRow inserted = new JobRepository.JobRow(id, model.id(), JobStatus.QUEUED,
                    new JobRepository.Settings(spec.config(), spec.fromVersion(), spec.standardise(), spec.trainingRows(),
                            spec.validationSplit()),
                    spec.trainingDatasetId(), spec.validationDatasetId(), trainingFile, validationFile, now, null, null,
                    List.of(), 0, null, null, null, null, null);
            // the datasets' rows locked until the record naming them is in: a delete waits for it, then sees the job
            transaction.executeWithoutResult(status -> {
                for (String datasetId : new String[] {spec.trainingDatasetId(), spec.validationDatasetId()}) {
                    if (datasetId != null) {
                        datasets.lockForJob(datasetId);
                    }
                }
                records.insert(inserted);
            });
            row = inserted;
        } catch (RuntimeException e) {
            models.jobEnded(model.id());
            deleteData(id);
            throw e;
        }
        // the job's end releases the model (before the end is visible: see TrainingJob.finish)
        TrainingJob job = new TrainingJob(id, now, spec, () -> models.jobEnded(model.id()), followerDelivery);
        Runnable task = () -> run(job, row, spec);
        synchronized (this) {
            // live before it can run: its end takes it out again, and must find it in
            live.put(job.id(), job);
            pending.put(job.id(), task);
            try {
                workers.execute(task);
            } catch (RejectedExecutionException e) {
                pending.remove(job.id());
                live.remove(job.id());
                records.delete(id);
                deleteData(id);
                models.jobEnded(model.id());
                throw queueFull();
            }
        }
        return job;
    }

    /** A queued or running job as it is now, or a finished one as its record shows it. */
    public TrainingJob get(String id) {
        TrainingJob job = live.get(id);
        if (job != null) {
            return job;
        }
        // a job leaves memory only after its end is recorded, so a record read now shows that end
        JobRepository.JobRow row = records.find(id).orElseThrow(() -> new JobNotFoundException(id));
        job = live.get(id); // one submitted between the two reads: its live object, which followers need
        return job != null ? job : fromRecord(row);
    }

    /**
     * Jobs, oldest first, optionally only those of one model and/or in one state: paged and counted by the
     * database, a live job shown by its live object (its progress is newer than its record's).
     */
    public Page<TrainingJob> list(String modelId, JobStatus status, int page, int size) {
        int offset = (int) Math.min((long) page * size, Integer.MAX_VALUE);
        List<TrainingJob> items = records.page(modelId, status, offset, size).stream().map(this::shown).toList();
        return new Page<>(items, page, size, records.count(modelId, status));
    }

    /** A listed job: its live object, or its record; one read unfinished and no longer live has ended since. */
    private TrainingJob shown(JobRepository.JobRow row) {
        TrainingJob job = live.get(row.id());
        if (job != null) {
            return job;
        }
        if (row.status().isFinished()) {
            return fromRecord(row);
        }
        // its end was recorded before it left memory, so the record read now shows the end, not a QUEUED job
        JobRepository.JobRow now = records.find(row.id()).orElse(row);
        job = live.get(row.id()); // one listed between its record's insert and its going live
        return job != null ? job : fromRecord(now);
    }

    /** The ids of the jobs held in memory: the queued and running ones. */
    Set<String> liveJobIds() {
        return Set.copyOf(live.keySet());
    }

    /**
     * Asks a job to stop: a queued job is cancelled at once, a running one before its next minibatch.
     * Cancelling a finished job changes nothing.
     */
    public TrainingJob cancel(String id) {
        TrainingJob job = get(id);
        job.requestCancel();
        Runnable task = pending.remove(id);
        if (task != null && workers.remove(task)) {
            // still in the queue: it will never run, so it ends here and frees its queue slot
            end(job, JobStatus.CANCELLED, null, null, null, Map.of()); // releases the model
        }
        return job;
    }

    /**
     * Asked by the dataset store before it deletes a dataset: the job records say, so jobs found unfinished after a
     * restart count too. (A job keeps no copy of a stored dataset: it reads the dataset's file when it runs.)
     */
    @Override
    public boolean usedByActiveJob(String datasetId) {
        return records.activeJobUses(datasetId);
    }

    private QueueFullException queueFull() {
        // a rough hint: the typical job here takes seconds to minutes
        return new QueueFullException(settings.workers(), settings.queueCapacity(), 5);
    }

    /** A record of an unfinished job found at start: the job is live again and waits to run. */
    private void restore(JobRepository.JobRow row) {
        TrainingJob job = TrainingJob.restored(row, plannedBatches(row), () -> models.jobEnded(row.modelId()),
                followerDelivery);
        live.put(row.id(), job);
        try {
            models.jobStarted(row.modelId());
        } catch (RuntimeException e) {
            // its model is gone (deleted between a crash and now is impossible, but a record may be damaged)
            log.warn("job {} cannot resume: {}", row.id(), e.getMessage());
            end(job, JobStatus.FAILED, "could not resume after a restart: " + e.getMessage(), null, null, Map.of());
        }
        if (!job.status().isFinished()) {
            toResume.add(row);
        }
    }

    /**
     * A job as its record shows it, for reading: a finished one replays its history to a follower and ends at once;
     * it holds no model (its end released it), so it releases nothing.
     */
    private TrainingJob fromRecord(JobRepository.JobRow row) {
        return TrainingJob.restored(row, plannedBatches(row), () -> { }, followerDelivery);
    }

    private static long plannedBatches(JobRepository.JobRow row) {
        return TrainingJobSpec.plannedBatches(row.settings().config(), row.settings().trainingRows());
    }

    /** Queues the jobs found unfinished at start, oldest first, once the service is ready to compute. */
    @EventListener(ApplicationReadyEvent.class)
    public synchronized void resumeUnfinished() {
        for (JobRepository.JobRow row : toResume) {
            TrainingJob job = live.get(row.id());
            Runnable task = () -> run(job, row, null);
            pending.put(row.id(), task);
            workers.execute(task);
            log.info("job {} of model {} queued again after a restart ({} epochs done before)", row.id(), row.modelId(),
                    row.history().size());
        }
        toResume.clear();
    }

    /**
     * Runs one job to its end.
     *
     * @param spec the job's spec; null for a job resumed after a restart, whose data is read back from its files
     */
    private void run(TrainingJob job, JobRepository.JobRow row, TrainingJobSpec spec) {
        pending.remove(job.id());
        try {
            if (job.isCancelRequested()) {
                end(job, JobStatus.CANCELLED, null, null, null, Map.of());
                return;
            }
            if (shuttingDown) {
                return; // left QUEUED: the next start runs it
            }
            Instant started = now();
            records.started(job.id(), started);
            job.started(started);
            train(job, spec != null ? spec : readSpec(row), spec != null ? null : row.checkpoint());
        } catch (UnreadableDatasetException e) {
            log.warn("training job {} failed: {}", job.id(), e.getMessage());
            end(job, JobStatus.FAILED, e.getMessage(), null, null, Map.of());
        } catch (RuntimeException | Error e) {
            if (shuttingDown) {
                log.info("training job {} stopped by shutdown; it resumes at the next start", job.id());
                return;
            }
            log.warn("training job {} failed", job.id(), e);
            end(job, JobStatus.FAILED, "training failed: " + e, null, null, Map.of());
        } finally {
            // every path above ends the job, which releases the model; this only guards against a path that did not
            if (!job.status().isFinished() && !shuttingDown) {
                end(job, JobStatus.FAILED, "training ended without a result", null, null, Map.of());
            }
        }
    }

    /**
     * @param checkpoint the record's checkpoint file to continue from (a job resumed after a restart), or null
     */
    private void train(TrainingJob job, TrainingJobSpec spec, String checkpoint) {
        long setupStart = System.nanoTime();
        Model model = models.get(spec.modelId());
        Dataset[] raw = rows(spec, new TargetEncoding(model.definition().loss(), model.definition().outputWidth()));
        Network network;
        Standardiser standardiser;
        if (spec.fromVersion() != null) {
            TrainedModel start = models.version(spec.modelId(), spec.fromVersion()).trainedModel();
            network = start.network().copy();
            standardiser = start.standardiser();
        } else {
            network = Network.create(model.definition(), DataType.FLOAT, model.lossEpsilon());
            network.initialise(model.seed());
            standardiser = spec.standardise() ? Standardiser.fit(raw[0].features()) : null;
        }
        Dataset training = standardise(raw[0], standardiser);
        Dataset validation = raw[1] == null ? null : standardise(raw[1], standardiser);
        int rows = training.size();
        int batchesPerEpoch = TrainingJobSpec.batchesPerEpoch(spec.config(), rows);
        TrainingCheckpoint resumeFrom = null;
        if (checkpoint != null && Files.exists(files.resolve(checkpoint))) {
            resumeFrom = readCheckpoint(checkpoint, network);
        } else if (checkpoint != null) {
            // cannot happen with a durable database; starting over still ends with the same weights, only later
            log.warn("job {}: checkpoint {} is missing; the job starts over", job.id(), checkpoint);
            checkpoint = null;
        }
        // a job run again after a restart continues after its checkpoint's epochs (or starts over without one)
        job.resumeAt(resumeFrom == null ? List.of() : resumeFrom.history(),
                resumeFrom == null ? 0 : (long) resumeFrom.epochsCompleted() * batchesPerEpoch);
        String[] lastCheckpoint = {checkpoint, null}; // the newest checkpoint file, and the one before it
        long[] checkpointNanos = {0};
        long intervalNanos = settings.checkpointInterval().toNanos();
        long[] lastCheckpointAt = {System.nanoTime()};
        long setupNanos = System.nanoTime() - setupStart;
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
                job.batchDone(epoch);
            }

            @Override
            public void onEpoch(EpochReport report) {
                samplesTrained.increment(rows);
                epochDuration.record(report.durationNanos(), TimeUnit.NANOSECONDS);
                lastThroughput.set(Double.doubleToLongBits(rows / (report.durationNanos() / 1e9)));
                job.epochDone(report);
            }

            /** Every chainrule.jobs.checkpoint-interval at most (each checkpoint holds the whole history). */
            @Override
            public boolean wantsCheckpoint(int epoch) {
                return System.nanoTime() - lastCheckpointAt[0] >= intervalNanos;
            }

            /** The checkpoint's file, then the record naming it, then the previous file goes. */
            @Override
            public void onCheckpoint(TrainingCheckpoint state) {
                long start = System.nanoTime();
                String file = writeCheckpoint(job.id(), state);
                List<EpochReport> history = new ArrayList<>();
                long batches = job.batchesDoneWith(history);
                records.epochDone(job.id(), history, batches, file);
                // the one before stays until the next epoch: the previous record may still name it if this
                // commit is lost in a crash (the startup sweep removes whichever one no record names)
                if (lastCheckpoint[1] != null) {
                    try {
                        files.delete(lastCheckpoint[1]);
                    } catch (UncheckedIOException e) {
                        log.warn("job {}: could not delete {}; the next start's sweep will", job.id(), lastCheckpoint[1], e);
                    }
                }
                lastCheckpoint[1] = lastCheckpoint[0];
                lastCheckpoint[0] = file;
                lastCheckpointAt[0] = System.nanoTime();
                checkpointNanos[0] += lastCheckpointAt[0] - start;
            }
        };
        long fitStart = System.nanoTime();
        TrainingResult result = new Trainer(network, spec.config()).fit(training, validation, listener,
                () -> job.isCancelRequested() || shuttingDown, resumeFrom);
        long fitNanos = System.nanoTime() - fitStart;
        if (result.outcome() == TrainingOutcome.CANCELLED) {
            if (!job.isCancelRequested()) {
                return; // stopped by shutdown, not by the user: the record stays RUNNING, to resume
            }
            end(job, JobStatus.CANCELLED, null, null, null, Map.of());
        } else if (result.outcome() == TrainingOutcome.DIVERGED) {
            end(job, JobStatus.FAILED, result.failureReason(), null, null, Map.of());
        } else {
            EpochReport last = result.lastEpoch();
            EpochReport best = result.bestEpoch() > 0 ? result.history().get(result.bestEpoch() - 1) : last;
            boolean restored = spec.config().earlyStopping() != null && spec.config().earlyStopping().restoreBest();
            EpochReport reported = restored ? best : last;
            Map<String, Double> metrics = reported.validationLoss() != null ? reported.validationMetrics() : reported.trainingMetrics();
            String endReason = result.outcome() == TrainingOutcome.EARLY_STOPPED ? "early_stopped" : "completed";
            Instant finished = now();
            // the version and the job's end in one transaction: a crash between them must not train it twice
            ModelVersion version = transaction.execute(status -> {
                ModelVersion v = models.addVersion(model.id(), new TrainedModel(network, standardiser),
                        new ModelVersion.Summary(job.id(), finished, last.epoch(), reported.trainingLoss(),
                                reported.validationLoss(), metrics));
                records.finished(job.id(), JobStatus.SUCCEEDED, finished, job.history(), job.batchesDone(), null, endReason,
                        v.number(), metrics);
                return v;
            });
            deleteData(job.id());
            // where a job's time went, for operators (README "Speed": the service's overhead over the engine's)
            log.info("job {} took {} ms: setup {} ms (data, standardisation), training {} ms of which checkpoints {} ms, "
                    + "version {} ms", job.id(), (System.nanoTime() - setupStart) / 1_000_000, setupNanos / 1_000_000,
                    fitNanos / 1_000_000, checkpointNanos[0] / 1_000_000,
                    (System.nanoTime() - fitStart - fitNanos) / 1_000_000);
            job.succeeded(finished, version.number(), metrics, endReason);
            live.remove(job.id()); // recorded and shown: its record is what shows it from now on
        }
    }

    /**
     * Records a job's end, then shows it (which releases the model), then lets go of it. A job whose end could not
     * be recorded stays in memory, the only place that shows its end (until a restart runs it again).
     */
    private void end(TrainingJob job, JobStatus status, String reason, String endReason, Integer version,
                     Map<String, Double> metrics) {
        String failureReason = storedFailureReason(reason);
        Instant now = now();
        boolean recorded = false;
        try {
            records.finished(job.id(), status, now, job.history(), job.batchesDone(), failureReason, endReason, version,
                    metrics);
            recorded = true;
            deleteData(job.id());
        } catch (RuntimeException e) {
            log.error("could not record the end of job {} ({})", job.id(), status, e);
        }
        switch (status) {
            case CANCELLED -> job.cancelled(now);
            case FAILED -> job.failed(now, failureReason);
            default -> throw new IllegalArgumentException("not an end without a version: " + status);
        }
        if (recorded) {
            live.remove(job.id());
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

    private String writeCheckpoint(String jobId, TrainingCheckpoint state) {
        try {
            return files.write("jobs/" + jobId + "/checkpoint-" + state.epochsCompleted() + ".bin",
                    out -> CheckpointFile.write(state, out));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint of job " + jobId, e);
        }
    }

    private TrainingCheckpoint readCheckpoint(String file, Network network) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(files.resolve(file)), 1 << 16)) {
            return CheckpointFile.read(in, network);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file, e);
        }
    }

    private static Dataset standardise(Dataset data, Standardiser standardiser) {
        return standardiser == null ? data : new Dataset(standardiser.apply(data.features()), data.targets());
    }

    /** Instants as the database keeps them (microseconds), so a job reads back as it was. */
    private Instant now() {
        return DatabaseTime.now(clock);
    }

    /** A job's rows in a file of its own: features then targets, in ND4J's binary array format. */
    private String writeData(String jobId, String name, Dataset data) {
        try {
            return files.write("jobs/" + jobId + "/" + name + ".nd4j", out -> {
                DataOutputStream stream = new DataOutputStream(out);
                Nd4j.write(data.features(), stream);
                Nd4j.write(data.targets(), stream);
                stream.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the data of job " + jobId, e);
        }
    }

    private Dataset readData(String file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(files.resolve(file)), 1 << 16)) {
            DataInputStream stream = new DataInputStream(in);
            INDArray features = Nd4j.read(stream);
            INDArray targets = Nd4j.read(stream);
            return new Dataset(features, targets);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read job data " + file, e);
        }
    }

    /**
     * A job's spec from its record: inline rows read back from the job's files, stored datasets named. (A record
     * written before jobs read their datasets when they run has the dataset's rows in its files: those are used.)
     */
    private TrainingJobSpec readSpec(JobRepository.JobRow row) {
        JobRepository.Settings s = row.settings();
        boolean trainingInFile = row.trainingFile() != null;
        boolean validationInFile = row.validationFile() != null;
        return new TrainingJobSpec(row.modelId(), trainingInFile ? readData(row.trainingFile()) : null,
                trainingInFile ? null : row.trainingDatasetId(),
                validationInFile ? readData(row.validationFile()) : null,
                validationInFile ? null : row.validationDatasetId(),
                trainingInFile ? null : s.validationSplit(), s.trainingRows(), s.config(), s.fromVersion(), s.standardise());
    }

    /**
     * The job's raw training and validation rows (the latter null without validation): inline ones as given, a
     * stored dataset read from its file, checked row by row and split as the request asked.
     */
    private Dataset[] rows(TrainingJobSpec spec, TargetEncoding encoding) {
        Dataset training = spec.training();
        Dataset validation = spec.validation();
        if (training == null) {
            Dataset[] parts = readDataset(spec.trainingDatasetId(), encoding, spec.validationSplit());
            training = parts[0];
            if (spec.validationSplit() != null) {
                validation = parts[1];
            }
        }
        if (spec.validationDatasetId() != null) {
            validation = readDataset(spec.validationDatasetId(), encoding, null)[0];
        }
        if (training.size() != spec.trainingRows()) {
            throw new UnreadableDatasetException("dataset " + spec.trainingDatasetId() + " gave " + training.size()
                    + " training rows, the job was planned for " + spec.trainingRows());
        }
        return new Dataset[] {training, validation};
    }

    /**
     * A stored dataset's rows, targets encoded for the model, split in two as they are read when {@code heldOut} is
     * given ({training, validation}; else {all rows}); what cannot be read or does not fit fails the job.
     *
     * @param heldOut the validation split, or null
     */
    private Dataset[] readDataset(String datasetId, TargetEncoding encoding, TrainingJobSpec.ValidationSplit heldOut) {
        StoredDataset stored;
        try {
            stored = datasets.get(datasetId);
        } catch (DatasetNotFoundException e) {
            throw new UnreadableDatasetException("dataset " + datasetId + " no longer exists");
        }
        String named = "dataset '" + stored.name() + "' (" + stored.id() + ")";
        List<String> problems = new ArrayList<>();
        Dataset[] data;
        try {
            data = datasets.load(stored, encoding, new DatasetFile.Problems() {
                @Override
                public void add(String where, String reason) {
                    if (problems.size() < MAX_REPORTED_ROW_PROBLEMS) {
                        problems.add((where == null ? "" : where + ": ") + reason);
                    }
                }

                @Override
                public boolean isFull() {
                    return problems.size() >= MAX_REPORTED_ROW_PROBLEMS;
                }
            }, heldOut == null ? null : heldOut.of((int) stored.summary().rows()));
        } catch (UncheckedIOException e) {
            IOException cause = e.getCause();
            String why = cause instanceof java.nio.file.NoSuchFileException ? "its file " + stored.file() + " is missing"
                    : cause.getMessage();
            throw new UnreadableDatasetException("cannot read " + named + ": " + why);
        }
        if (data == null) {
            throw new UnreadableDatasetException(named + " does not fit the model: " + String.join("; ", problems));
        }
        return data;
    }

    /** The job's files (data, checkpoint): no record names them once the job has ended. */
    private void deleteData(String jobId) {
        try (var stream = Files.list(files.resolve("jobs/" + jobId))) {
            for (var file : stream.toList()) {
                files.delete(files.root().relativize(file).toString());
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // nothing was written
        } catch (IOException | UncheckedIOException e) {
            // best effort: no record names them any more, so the next start's sweep removes what is left
            log.warn("could not delete the files of job {}", jobId, e);
        }
    }

    /**
     * Stops the workers for a shutdown: running jobs stop before their next minibatch and queued ones never start,
     * but their records stay QUEUED or RUNNING, so the next start runs them again (a RUNNING one from its last
     * checkpoint). Only a user's cancel makes a job CANCELLED.
     */
    @PreDestroy
    public void shutdown() throws InterruptedException {
        shuttingDown = true;
        // no interrupts: a worker may be writing a checkpoint; it stops itself before its next minibatch
        workers.shutdown();
        workers.getQueue().clear();
        if (!workers.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
            log.warn("training workers did not stop within {} s", SHUTDOWN_WAIT_SECONDS);
        }
        // events already handed over still go out; a follower stalled in a send is not waited for
        followerThreads.shutdown();
        if (!followerThreads.awaitTermination(1, TimeUnit.SECONDS)) {
            followerThreads.shutdownNow();
        }
    }
}
