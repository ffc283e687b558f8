package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.training.EpochReport;
import jakarta.annotation.PreDestroy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The unfinished jobs this replica shows as they change: those it runs (its workers update them), and those
 * submitted or followed here that another replica runs or none has claimed yet ({@link #refresh} brings them up to
 * date from the database). A job leaves once it has ended; from then on its record shows it. Memory is bounded by
 * the cluster's active jobs, not by history.
 */
@Component
class LiveJobs {
    private static final Logger log = LoggerFactory.getLogger(LiveJobs.class);

    private final JobRepository records;
    private final JobEventLog events;
    private final Map<String, TrainingJob> jobs = new ConcurrentHashMap<>();
    private final Set<String> runningHere = ConcurrentHashMap.newKeySet();
    /** Delivers jobs' events to followers, off the training workers and outside the jobs' locks. */
    private final ThreadPoolExecutor followerThreads;
    private final FollowerMailbox.Delivery delivery;

    LiveJobs(JobRepository records, JobEventLog events, ChainruleProperties properties) {
        this.records = records;
        this.events = events;
        ChainruleProperties.Jobs settings = properties.jobs();
        AtomicInteger followerThreadNumber = new AtomicInteger();
        // at most one task per follower waits here (FollowerMailbox), so the queue is bounded by the followers; a
        // stalled SSE client holds a thread until its send fails (the server's write timeout), the others' events
        // wait meanwhile, within their bound of pending events
        this.followerThreads = new ThreadPoolExecutor(settings.followerThreads(), settings.followerThreads(), 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "job-events-" + followerThreadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        followerThreads.allowCoreThreadTimeOut(true); // none while nobody follows
        this.delivery = new FollowerMailbox.Delivery(followerThreads, settings.maxPendingEvents());
    }

    /** A job just submitted here, shown from now on. */
    TrainingJob submitted(String id, java.time.Instant createdAt, TrainingJobSpec spec) {
        TrainingJob job = new TrainingJob(id, createdAt, spec, delivery);
        jobs.put(id, job);
        return job;
    }

    /** A scoring job just submitted here, shown from now on. */
    TrainingJob submittedScoring(String id, String modelId, java.time.Instant createdAt, ScoringSettings scoring) {
        TrainingJob job = TrainingJob.scoring(id, modelId, createdAt, scoring, delivery);
        jobs.put(id, job);
        return job;
    }

    /** The job's live object, when this replica has one. */
    Optional<TrainingJob> find(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /**
     * A job as its record shows it now; an unfinished one is kept and refreshed from then on (a follower needs an
     * object that changes), so two reads of it return the same object.
     */
    TrainingJob fromRecord(JobRepository.JobRow row, boolean keep) {
        TrainingJob existing = jobs.get(row.id());
        if (existing != null) {
            return existing;
        }
        List<EpochReport> history = row.status().isFinished() ? row.history() : events.after(row.id(), 0);
        TrainingJob job = TrainingJob.restored(row, history, plannedBatches(row), delivery);
        if (!keep || row.status().isFinished()) {
            return job;
        }
        TrainingJob raced = jobs.putIfAbsent(row.id(), job);
        return raced != null ? raced : job;
    }

    /** The object a claimed job runs as: the one shown here already, or a new one from its record. */
    TrainingJob claimed(JobRepository.JobRow row) {
        runningHere.add(row.id());
        return jobs.computeIfAbsent(row.id(), id -> TrainingJob.restored(row, events.after(row.id(), 0),
                plannedBatches(row), delivery));
    }

    /**
     * The run here is over. An ended job leaves memory; one that did not end here (its lease was lost, or the
     * replica is shutting down) stays shown, refreshed from the replica that continues it.
     */
    void runEnded(TrainingJob job) {
        runningHere.remove(job.id());
        if (job.status().isFinished()) {
            jobs.remove(job.id(), job);
        }
    }

    /** A job cancelled before anyone claimed it: it leaves memory. */
    void remove(String id) {
        jobs.remove(id);
    }

    /** The ids of the jobs held in memory. */
    Set<String> ids() {
        return Set.copyOf(jobs.keySet());
    }

    /** Brings every job shown here but run elsewhere up to date: its record, and the epochs written since. */
    void refresh() {
        for (TrainingJob job : jobs.values()) {
            if (runningHere.contains(job.id())) {
                continue;
            }
            try {
                Optional<JobRepository.JobRow> row = records.find(job.id());
                if (row.isEmpty()) {
                    jobs.remove(job.id(), job); // a job that was never queued after all
                    continue;
                }
                if (job.status().isFinished() && row.get().status().isFinished()) {
                    jobs.remove(job.id(), job);
                    continue;
                }
                List<EpochReport> newEpochs = events.after(job.id(), job.epochsShown());
                if (runningHere.contains(job.id())) {
                    continue; // claimed here meanwhile: its worker shows it now
                }
                job.refresh(row.get(), newEpochs);
                if (job.status().isFinished()) {
                    jobs.remove(job.id(), job);
                }
            } catch (RuntimeException e) {
                log.warn("could not refresh job {} from the database", job.id(), e);
            }
        }
    }

    private static long plannedBatches(JobRepository.JobRow row) {
        if (row.kind() == JobKind.SCORING) {
            return row.scoring().rows();
        }
        return TrainingJobSpec.plannedBatches(row.settings().config(), row.settings().trainingRows());
    }

    /** Events already handed over still go out; a follower stalled in a send is not waited for. */
    @PreDestroy
    void close() throws InterruptedException {
        followerThreads.shutdown();
        if (!followerThreads.awaitTermination(1, TimeUnit.SECONDS)) {
            followerThreads.shutdownNow();
        }
    }
}
