package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.DatasetUsage;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelUsage;
import dev.chainrule.model.Page;
import dev.chainrule.storage.DatabaseTime;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Training jobs as users see them: submit, read, list, cancel. A job is a record in the jobs table from the moment
 * it is accepted; it waits there until a worker of any replica claims it ({@link TrainingWorkers}), and whichever
 * replica is asked shows it. Rows sent with the request go to files of the job's own, in the dataset format; a stored
 * dataset is only named by the record; both are read when the job runs, so a queued job holds no rows in memory.
 *
 * <p>The queue is bounded for the whole cluster: a submission counts the queued and running jobs and the workers of
 * the live replicas, and inserts, while it holds the queue's lock, so concurrent submissions to different replicas
 * cannot overfill it.
 */
@Service
public class TrainingJobService implements DatasetUsage, ModelUsage {
    /** The length of jobs.failure_reason (V1 migration). */
    static final int MAX_FAILURE_REASON = JobRunner.MAX_FAILURE_REASON;

    private final ModelService models;
    private final DatasetService datasets;
    private final JobRepository records;
    private final Replicas replicas;
    private final JobFiles files;
    private final LiveJobs live;
    private final TrainingWorkers workers;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final ChainruleProperties.Jobs settings;

    public TrainingJobService(ModelService models, DatasetService datasets, JobRepository records, Replicas replicas,
                              JobFiles files, LiveJobs live, TrainingWorkers workers, TransactionTemplate transaction,
                              Clock clock, ChainruleProperties properties, MeterRegistry meters) {
        this.models = models;
        this.datasets = datasets;
        this.records = records;
        this.replicas = replicas;
        this.files = files;
        this.live = live;
        this.workers = workers;
        this.transaction = transaction;
        this.clock = clock;
        this.settings = properties.jobs();
        Gauge.builder("chainrule.jobs.queue.depth", records, repository -> repository.count(null, JobStatus.QUEUED))
                .description("Training jobs waiting for a worker of any replica").register(meters);
        for (JobStatus status : JobStatus.values()) {
            // polled on scrape: one count per state (indexed), together one pass over the records
            Gauge.builder("chainrule.jobs", records, repository -> repository.count(null, status))
                    .tag("state", status.name()).description("Training jobs by state").register(meters);
        }
    }

    /**
     * Queues a job; refused with {@link QueueFullException} when the cluster's queued and running jobs already fill
     * its workers and queue. Nothing is kept of a refused job.
     */
    public TrainingJob submit(TrainingJobSpec spec) {
        Model model = models.get(spec.modelId());
        if (spec.fromVersion() != null) {
            models.version(spec.modelId(), spec.fromVersion());
        }
        checkCapacity(); // before any file is written; the transaction below decides
        String id = UUID.randomUUID().toString();
        Instant now = DatabaseTime.now(clock);
        try {
            // the request's rows first (files nobody names yet), then the record that names them
            TrainingJobSpec stored = spec.withRows(stored(id, "training", spec.training()), stored(id, spec.validation()));
            JobRepository.JobRow row = JobRepository.JobRow.queued(id, stored, now);
            transaction.executeWithoutResult(status -> {
                replicas.lockQueue();
                // the model's and the datasets' rows locked until the record naming them is in: a delete waits for
                // it, then sees the job, or the job finds nothing to train
                models.lockForJob(model.id());
                for (String datasetId : stored.datasetIds()) {
                    datasets.lockForJob(datasetId);
                }
                checkCapacity();
                records.insert(row);
            });
        } catch (RuntimeException e) {
            files.deleteAll(id);
            throw e;
        }
        TrainingJob job = live.submitted(id, now, spec);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            // submitted inside a caller's transaction (a sweep admitting a trial): claimable once that commits
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status == STATUS_COMMITTED) {
                        workers.wake();
                    } else {
                        live.remove(id);
                        files.deleteAll(id);
                    }
                }
            });
        } else {
            workers.wake();
        }
        return job;
    }

    /** Where the job reads rows from: rows sent with the request are stored as a file of the job's first. */
    private RowSource stored(String jobId, String name, RowSource source) {
        return source instanceof RowSource.RequestRows given ? new RowSource.JobRowsFile(files.writeRows(jobId, name,
                given.rows())) : source;
    }

    private Validation stored(String jobId, Validation validation) {
        return validation instanceof Validation.OwnRows own ? new Validation.OwnRows(stored(jobId, "validation", own.rows()))
                : validation;
    }

    /**
     * Queues the scoring of a stored dataset by one version (its number, resolved by the caller), on the same queue
     * and workers as training; refused with {@link QueueFullException} like a training job.
     */
    public TrainingJob submitScoring(String modelId, int version, dev.chainrule.dataset.StoredDataset dataset) {
        Model model = models.get(modelId);
        models.version(modelId, version);
        checkCapacity();
        String id = UUID.randomUUID().toString();
        Instant now = DatabaseTime.now(clock);
        ScoringSettings scoring = new ScoringSettings(dataset.id(), version, dataset.summary().rows());
        JobRepository.JobRow row = new JobRepository.JobRow(id, model.id(), JobStatus.QUEUED, null, null, null, null,
                null, now, null, null, List.of(), 0, null, null, null, null, null, null, 0, false, JobKind.SCORING,
                scoring, null, null);
        transaction.executeWithoutResult(status -> {
            replicas.lockQueue();
            models.lockForJob(model.id());
            datasets.lockForJob(dataset.id());
            checkCapacity();
            records.insert(row);
        });
        TrainingJob job = live.submittedScoring(id, model.id(), now, scoring);
        workers.wake();
        return job;
    }

    /** The workers of the live replicas (at least this one's): what the queue's bound and sweeps' share count. */
    public long clusterWorkers() {
        return Math.max(replicas.liveWorkers(), workers.workerCount());
    }

    private void checkCapacity() {
        long workersAlive = clusterWorkers();
        if (records.countActive() >= workersAlive + settings.queueCapacity()) {
            // a rough hint: the typical job here takes seconds to minutes
            throw new QueueFullException((int) workersAlive, settings.queueCapacity(), 5);
        }
    }

    /** A job as it is now: its live object while it is unfinished, else as its record shows it. */
    public TrainingJob get(String id) {
        return live.find(id).orElseGet(() -> live.fromRecord(
                records.find(id).orElseThrow(() -> new JobNotFoundException(id)), true));
    }

    /**
     * Jobs, oldest first, optionally only those of one model and/or in one state: paged and counted by the
     * database, a job live here shown by its live object (its progress is newer than its record's).
     */
    public Page<TrainingJob> list(String modelId, JobStatus status, int page, int size) {
        int offset = (int) Math.min((long) page * size, Integer.MAX_VALUE);
        List<TrainingJob> items = records.page(modelId, status, offset, size).stream().map(this::shown).toList();
        return new Page<>(items, page, size, records.count(modelId, status));
    }

    /** A listed job: its live object, or its record; one read unfinished and no longer live may have ended since. */
    private TrainingJob shown(JobRepository.JobRow row) {
        Optional<TrainingJob> job = live.find(row.id());
        if (job.isPresent()) {
            return job.get();
        }
        if (row.status().isFinished()) {
            return live.fromRecord(row, false);
        }
        // a job leaves memory only after its end is recorded, so the record read now shows that end
        JobRepository.JobRow now = records.find(row.id()).orElse(row);
        return live.find(row.id()).orElseGet(() -> live.fromRecord(now, false));
    }

    /** The ids of the jobs held in memory: those unfinished that this replica runs, was sent, or is asked about. */
    Set<String> liveJobIds() {
        return live.ids();
    }

    /**
     * Asks a job to stop: a queued job is cancelled at once, a running one before its next minibatch (on another
     * replica, once its owner learns of it at its next lease renewal). Cancelling a finished job changes nothing.
     */
    public TrainingJob cancel(String id) {
        TrainingJob job = get(id);
        Instant now = DatabaseTime.now(clock);
        if (records.cancelQueued(id, now)) {
            files.deleteAll(id); // no worker will read them
            job.requestCancel();
            job.cancelled(now);
            live.remove(id);
            return job;
        }
        records.requestCancel(id);
        job.requestCancel();
        workers.runningHere(id).ifPresent(claimed -> claimed.job().requestCancel());
        return job;
    }

    /** Asked before a dataset is deleted: the records of every replica's queued and running jobs say. */
    @Override
    public boolean usedByActiveJob(String datasetId) {
        return records.activeJobUses(datasetId);
    }

    /** Asked before a model is deleted, and to show whether it is training. */
    @Override
    public int activeJobs(String modelId) {
        return records.activeJobsOf(modelId);
    }
}
