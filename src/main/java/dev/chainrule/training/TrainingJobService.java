package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.Trainer;
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
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Runs training jobs on a bounded pool of worker threads with a bounded queue. A full queue refuses new jobs
 * (nothing is created); a job that throws or diverges ends FAILED and its worker lives on; on shutdown,
 * queued and running jobs are cancelled (a running job stops within one minibatch) so none stays RUNNING.
 */
@Service
public class TrainingJobService {
    private static final Logger log = LoggerFactory.getLogger(TrainingJobService.class);
    /** How long shutdown waits for running jobs to see their cancellation. */
    static final long SHUTDOWN_WAIT_SECONDS = 30;

    private final ModelService models;
    private final Clock clock;
    private final ChainruleProperties.Jobs settings;
    private final ThreadPoolExecutor workers;
    private final Map<String, TrainingJob> jobs = new LinkedHashMap<>();
    /** Tasks handed to the pool and not yet started, so a queued job can be taken out of the queue. */
    private final Map<String, Runnable> pending = new java.util.concurrent.ConcurrentHashMap<>();
    private final Counter samplesTrained;
    private final Timer epochDuration;
    private final AtomicLong lastThroughput = new AtomicLong();

    public TrainingJobService(ModelService models, Clock clock, ChainruleProperties properties, MeterRegistry meters) {
        this.models = models;
        this.clock = clock;
        this.settings = properties.jobs();
        AtomicInteger threadNumber = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.queueCapacity()), runnable -> {
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
            Gauge.builder("chainrule.jobs", this, service -> service.count(status))
                    .tag("state", status.name()).description("Training jobs by state").register(meters);
        }
    }

    /** Queues a job; refused with {@link QueueFullException} when every worker is busy and the queue is full. */
    public TrainingJob submit(TrainingJobSpec spec) {
        Model model = models.get(spec.modelId());
        if (spec.fromVersion() != null) {
            models.version(spec.modelId(), spec.fromVersion());
        }
        // the job's end releases the model (before the end is visible: see TrainingJob.finish)
        TrainingJob job = new TrainingJob(UUID.randomUUID().toString(), clock.instant(), spec,
                () -> models.jobEnded(model.id()));
        models.jobStarted(model.id());
        Runnable task = () -> run(job, model);
        synchronized (this) {
            pending.put(job.id(), task);
            try {
                workers.execute(task);
            } catch (RejectedExecutionException e) {
                pending.remove(job.id());
                models.jobEnded(model.id());
                throw new QueueFullException(settings.workers(), settings.queueCapacity(), retryAfterSeconds());
            }
            jobs.put(job.id(), job);
        }
        return job;
    }

    public synchronized TrainingJob get(String id) {
        TrainingJob job = jobs.get(id);
        if (job == null) {
            throw new JobNotFoundException(id);
        }
        return job;
    }

    /** Jobs, oldest first, optionally only those of one model and/or in one state. */
    public synchronized Page<TrainingJob> list(String modelId, JobStatus status, int page, int size) {
        List<TrainingJob> matching = new ArrayList<>();
        for (TrainingJob job : jobs.values()) {
            if ((modelId == null || modelId.equals(job.modelId())) && (status == null || job.status() == status)) {
                matching.add(job);
            }
        }
        return Page.of(matching, page, size);
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
            job.cancelled(clock.instant()); // releases the model
        }
        return job;
    }

    private synchronized long count(JobStatus status) {
        return jobs.values().stream().filter(job -> job.status() == status).count();
    }

    private int retryAfterSeconds() {
        // a rough hint: the typical job here takes seconds to minutes
        return 5;
    }

    private void run(TrainingJob job, Model model) {
        pending.remove(job.id());
        try {
            if (job.isCancelRequested()) {
                job.cancelled(clock.instant());
                return;
            }
            job.started(clock.instant());
            train(job, model);
        } catch (RuntimeException | Error e) {
            log.warn("training job {} failed", job.id(), e);
            job.failed(clock.instant(), "training failed: " + e);
        } finally {
            // every path above ends the job, which releases the model; this only guards against a path that did not
            if (!job.status().isFinished()) {
                job.failed(clock.instant(), "training ended without a result");
            }
        }
    }

    private void train(TrainingJob job, Model model) {
        TrainingJobSpec spec = job.spec();
        Network network;
        Standardiser standardiser;
        if (spec.fromVersion() != null) {
            TrainedModel start = model.version(spec.fromVersion()).orElseThrow().trainedModel();
            network = start.network().copy();
            standardiser = start.standardiser();
        } else {
            network = Network.create(model.definition(), DataType.FLOAT, model.lossEpsilon());
            network.initialise(model.seed());
            standardiser = spec.standardise() ? Standardiser.fit(spec.training().features()) : null;
        }
        Dataset training = standardise(spec.training(), standardiser);
        Dataset validation = spec.validation() == null ? null : standardise(spec.validation(), standardiser);
        int rows = training.size();
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
        };
        TrainingResult result = new Trainer(network, spec.config()).fit(training, validation, listener, job::isCancelRequested);
        if (result.outcome() == TrainingOutcome.CANCELLED) {
            job.cancelled(clock.instant());
        } else if (result.outcome() == TrainingOutcome.DIVERGED) {
            job.failed(clock.instant(), result.failureReason());
        } else {
            EpochReport last = result.lastEpoch();
            EpochReport best = result.bestEpoch() > 0 ? result.history().get(result.bestEpoch() - 1) : last;
            boolean restored = spec.config().earlyStopping() != null && spec.config().earlyStopping().restoreBest();
            EpochReport reported = restored ? best : last;
            Map<String, Double> metrics = reported.validationLoss() != null ? reported.validationMetrics() : reported.trainingMetrics();
            ModelVersion version = models.addVersion(model.id(), new TrainedModel(network, standardiser),
                    new ModelVersion.Summary(job.id(), clock.instant(), last.epoch(), reported.trainingLoss(),
                            reported.validationLoss(), metrics));
            job.succeeded(clock.instant(), version.number(), metrics,
                    result.outcome() == TrainingOutcome.EARLY_STOPPED ? "early_stopped" : "completed");
        }
    }

    private static Dataset standardise(Dataset data, Standardiser standardiser) {
        return standardiser == null ? data : new Dataset(standardiser.apply(data.features()), data.targets());
    }

    /** Cancels every queued and running job and waits for the workers to see it. */
    @PreDestroy
    public void shutdown() throws InterruptedException {
        List<TrainingJob> active;
        synchronized (this) {
            active = jobs.values().stream().filter(job -> !job.status().isFinished()).toList();
        }
        active.forEach(TrainingJob::requestCancel);
        workers.shutdown();
        if (!workers.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
            log.warn("training workers did not stop within {} s", SHUTDOWN_WAIT_SECONDS);
            workers.shutdownNow();
        }
        for (TrainingJob job : active) {
            if (!job.status().isFinished()) {
                job.cancelled(clock.instant());
            }
        }
    }
}
