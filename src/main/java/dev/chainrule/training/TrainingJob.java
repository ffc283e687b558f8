package dev.chainrule.training;

import dev.chainrule.engine.training.EpochReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One training run of a model, from queue to end, as this replica sees it: written by its worker thread when this
 * replica runs it, or refreshed from the database (see {@link #refresh}) when another one does. Read by HTTP
 * threads: every
 * accessor is synchronized. Epochs and the end are handed to each follower's mailbox under the same lock, so a
 * follower that subscribes mid-run gets the history so far and then every later event, none twice; the mailboxes
 * call the followers later, on delivery threads outside the lock, so a slow follower never holds up the job or a
 * read of it (see {@link FollowerMailbox}).
 */
public final class TrainingJob {
    private final String id;
    private final String modelId;
    private final Instant createdAt;
    private final int plannedEpochs;
    private final long plannedBatches;
    private final Integer fromVersion;
    /** What a scoring job scores; null for training. */
    private final ScoringSettings scoring;
    private final List<EpochReport> history = new ArrayList<>();
    /** Followers of the running job; a finished job has none (its end was the last thing handed to them). */
    private final List<FollowerMailbox> followers = new ArrayList<>();
    private final FollowerMailbox.Delivery delivery;
    private JobStatus status = JobStatus.QUEUED;
    private Instant startedAt;
    private Instant finishedAt;
    private long batchesDone;
    private int currentEpoch;
    private String failureReason;
    private Integer resultVersion;
    private Map<String, Double> finalMetrics = Map.of();
    private String endReason;
    /** The replica running it (the lease's owner), null while it waits. */
    private String owner;
    private volatile boolean cancelRequested;

    /** @param delivery where followers' events are delivered, and how far behind a follower may fall */
    TrainingJob(String id, Instant createdAt, TrainingJobSpec spec, FollowerMailbox.Delivery delivery) {
        this(id, spec.modelId(), createdAt, spec.config().epochs(), spec.plannedBatches(), spec.fromVersion(), delivery,
                null);
    }

    /** @param scoring what a scoring job scores, or null for a training job */
    private TrainingJob(String id, String modelId, Instant createdAt, int plannedEpochs, long plannedBatches,
                        Integer fromVersion, FollowerMailbox.Delivery delivery, ScoringSettings scoring) {
        this.scoring = scoring;
        this.delivery = delivery;
        this.id = id;
        this.modelId = modelId;
        this.createdAt = createdAt;
        this.plannedEpochs = plannedEpochs;
        this.plannedBatches = plannedBatches;
        this.fromVersion = fromVersion;
    }

    /**
     * A job as its record shows it: a finished one as it ended (exactly as its live object showed it); an unfinished
     * one as far as its record and its epochs' rows tell.
     *
     * @param history the epochs so far: the record's for a finished job, the event rows' for an unfinished one
     */
    static TrainingJob restored(JobRepository.JobRow row, List<EpochReport> history, long plannedBatches,
                                FollowerMailbox.Delivery delivery) {
        boolean scores = row.kind() == JobKind.SCORING;
        TrainingJob job = scores ? scoring(row.id(), row.modelId(), row.createdAt(), row.scoring(), delivery)
                : new TrainingJob(row.id(), row.modelId(), row.createdAt(), row.settings().config().epochs(),
                plannedBatches, row.settings().fromVersion(), delivery, null);
        job.history.addAll(history);
        job.batchesDone = row.batchesDone();
        job.status = row.status();
        job.owner = row.status() == JobStatus.RUNNING ? row.owner() : null;
        // the epoch its last minibatch was in, as the live job showed it (a job cancelled mid-epoch is in that epoch);
        // records written before batches were counted have only their history to say
        long batchesPerEpoch = Math.max(1, plannedBatches / Math.max(1, job.plannedEpochs));
        job.currentEpoch = scores ? 0
                : (int) Math.max(history.size(), (row.batchesDone() + batchesPerEpoch - 1) / batchesPerEpoch);
        job.startedAt = row.startedAt();
        if (row.status().isFinished()) {
            job.status = row.status();
            job.finishedAt = row.finishedAt();
            job.failureReason = row.failureReason();
            job.endReason = row.endReason();
            job.resultVersion = row.resultVersion();
            job.finalMetrics = Map.copyOf(row.finalMetrics());
        }
        return job;
    }

    /** A scoring job: its progress counts rows scored of the dataset's rows; it has no epochs. */
    static TrainingJob scoring(String id, String modelId, Instant createdAt, ScoringSettings scoring,
                               FollowerMailbox.Delivery delivery) {
        return new TrainingJob(id, modelId, createdAt, 0, scoring.rows(), null, delivery, scoring);
    }

    /** A scoring run starts (again) from row 0 or has scored more rows. */
    synchronized void rowsScored(long rows) {
        batchesDone = rows;
    }

    /** A scoring job's successful end, with its scalar metrics (empty without targets to compare with). */
    synchronized void scored(Instant now, Map<String, Double> metrics) {
        this.finalMetrics = Map.copyOf(metrics);
        this.endReason = "completed";
        finish(JobStatus.SUCCEEDED, now);
    }

    /**
     * Where a job that runs again starts: after the epochs its checkpoint holds (none when it starts over). Epochs
     * already shown beyond those stay shown: they are run again, and not reported twice (see {@link #epochDone}).
     */
    synchronized void resumeAt(List<EpochReport> done, long batches) {
        if (history.size() < done.size()) {
            history.clear();
            history.addAll(done);
        }
        currentEpoch = done.size();
        batchesDone = batches;
    }

    /**
     * Brings a job another replica runs up to date: its record now, and the epochs written since this object last
     * looked ({@code newEpochs}, in order). Followers get each new epoch, then the end once the record shows one.
     */
    synchronized void refresh(JobRepository.JobRow row, List<EpochReport> newEpochs) {
        for (EpochReport report : newEpochs) {
            epochDone(report);
        }
        if (status.isFinished()) {
            return;
        }
        batchesDone = Math.max(batchesDone, row.batchesDone());
        owner = row.status() == JobStatus.RUNNING ? row.owner() : null;
        if (row.startedAt() != null) {
            startedAt = row.startedAt();
        }
        switch (row.status()) {
            case RUNNING -> status = JobStatus.RUNNING;
            case SUCCEEDED -> {
                resultVersion = row.resultVersion();
                finalMetrics = Map.copyOf(row.finalMetrics());
                endReason = row.endReason();
                finish(JobStatus.SUCCEEDED, row.finishedAt());
            }
            case FAILED -> {
                failureReason = row.failureReason();
                finish(JobStatus.FAILED, row.finishedAt());
            }
            case CANCELLED -> finish(JobStatus.CANCELLED, row.finishedAt());
            default -> {
            }
        }
    }

    /** How many epochs this object has shown. */
    synchronized int epochsShown() {
        return history.size();
    }

    /** Minibatches run so far, and the epochs' reports, read together. */
    synchronized long batchesDoneWith(List<EpochReport> into) {
        into.addAll(history);
        return batchesDone;
    }

    /** Checked by the training loop before every minibatch. */
    boolean isCancelRequested() {
        return cancelRequested;
    }

    void requestCancel() {
        cancelRequested = true;
    }

    /** Claimed by {@code owner}, this replica: it runs here from now on. */
    synchronized void started(Instant startedAt, String owner) {
        status = JobStatus.RUNNING;
        this.startedAt = startedAt;
        this.owner = owner;
    }

    synchronized void batchDone(int epoch) {
        batchesDone++;
        currentEpoch = epoch;
    }

    /** An epoch's end; one already shown (run again after a takeover) changes nothing. */
    synchronized void epochDone(EpochReport report) {
        if (report.epoch() <= history.size()) {
            return;
        }
        history.add(report);
        currentEpoch = report.epoch();
        followers.removeIf(follower -> !follower.epochFinished(report)); // a dropped one is told so, and no more
    }

    synchronized void succeeded(Instant now, int version, Map<String, Double> metrics, String endReason) {
        this.resultVersion = version;
        this.finalMetrics = Map.copyOf(metrics);
        this.endReason = endReason;
        finish(JobStatus.SUCCEEDED, now);
    }

    synchronized void failed(Instant now, String reason) {
        this.failureReason = reason;
        finish(JobStatus.FAILED, now);
    }

    synchronized void cancelled(Instant now) {
        finish(JobStatus.CANCELLED, now);
    }

    private void finish(JobStatus end, Instant now) {
        if (status.isFinished()) {
            return; // a job ends once
        }
        // the record showed the end first, so a client that saw it here finds the model no longer training
        status = end;
        owner = null;
        finishedAt = now;
        for (FollowerMailbox follower : followers) {
            follower.jobFinished();
        }
        followers.clear();
    }

    /**
     * Replays the epochs so far to the follower, then keeps it informed; a finished job replays and ends at once.
     * Returns at once: the follower is called later, in order, on a delivery thread.
     */
    public synchronized void follow(JobEvents follower) {
        FollowerMailbox mailbox = new FollowerMailbox(this, follower, delivery);
        mailbox.replay(history, status.isFinished());
        if (!status.isFinished()) {
            followers.add(mailbox);
        }
    }

    /** The follower left: what has not reached it yet never will (a call in progress finishes). */
    public synchronized void unfollow(JobEvents follower) {
        followers.removeIf(mailbox -> {
            if (mailbox.follower() != follower) {
                return false;
            }
            mailbox.close();
            return true;
        });
    }

    public String id() {
        return id;
    }

    public String modelId() {
        return modelId;
    }

    public JobKind kind() {
        return scoring == null ? JobKind.TRAINING : JobKind.SCORING;
    }

    /** What a scoring job scores; null for a training job. */
    public ScoringSettings scoring() {
        return scoring;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public synchronized JobStatus status() {
        return status;
    }

    public synchronized Instant startedAt() {
        return startedAt;
    }

    public synchronized Instant finishedAt() {
        return finishedAt;
    }

    public synchronized int currentEpoch() {
        return currentEpoch;
    }

    public int plannedEpochs() {
        return plannedEpochs;
    }

    public long plannedBatches() {
        return plannedBatches;
    }

    public synchronized long batchesDone() {
        return batchesDone;
    }

    /** Batches done over batches planned; 1 once the job succeeded (early stopping ends it sooner). */
    public synchronized double progress() {
        if (status == JobStatus.SUCCEEDED) {
            return 1.0;
        }
        return plannedBatches == 0 ? 0 : Math.min(1.0, batchesDone / (double) plannedBatches);
    }

    public synchronized Duration elapsed(Instant now) {
        if (startedAt == null) {
            return Duration.ZERO;
        }
        return Duration.between(startedAt, finishedAt != null ? finishedAt : now);
    }

    /** Remaining time at the pace so far; null before the first batch or after the end. */
    public synchronized Duration eta(Instant now) {
        if (status != JobStatus.RUNNING || batchesDone == 0) {
            return null;
        }
        double perBatch = elapsed(now).toNanos() / (double) batchesDone;
        return Duration.ofNanos((long) (perBatch * Math.max(0, plannedBatches - batchesDone)));
    }

    public synchronized List<EpochReport> history() {
        return List.copyOf(history);
    }

    public synchronized String failureReason() {
        return failureReason;
    }

    public synchronized Integer resultVersion() {
        return resultVersion;
    }

    public synchronized Map<String, Double> finalMetrics() {
        return finalMetrics;
    }

    /** "completed" or "early_stopped" for a successful job, null otherwise. */
    public synchronized String endReason() {
        return endReason;
    }

    public Integer fromVersion() {
        return fromVersion;
    }

    /** The replica running the job now, or null when none is (queued, or ended). */
    public synchronized String owner() {
        return owner;
    }

    /** Everything a client sees of the job, read under one lock so the fields agree with each other. */
    public synchronized Snapshot snapshot(Instant now) {
        return new Snapshot(status, progress(), currentEpoch, batchesDone, startedAt, finishedAt, elapsed(now), eta(now),
                List.copyOf(history), finalMetrics, failureReason, resultVersion, endReason, owner);
    }

    /** The job at one instant. */
    public record Snapshot(JobStatus status, double progress, int currentEpoch, long batchesDone, Instant startedAt,
                           Instant finishedAt, Duration elapsed, Duration eta, List<EpochReport> history,
                           Map<String, Double> finalMetrics, String failureReason, Integer resultVersion,
                           String endReason, String owner) {
    }
}
