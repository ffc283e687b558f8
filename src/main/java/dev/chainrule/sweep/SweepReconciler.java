package dev.chainrule.sweep;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.dataset.DatasetNotFoundException;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelNotFoundException;
import dev.chainrule.model.ModelService;
import dev.chainrule.storage.DatabaseTime;
import dev.chainrule.sweep.SweepRepository.SweepRow;
import dev.chainrule.sweep.SweepRepository.TrialRow;
import dev.chainrule.training.JobEnded;
import dev.chainrule.training.JobNotFoundException;
import dev.chainrule.training.QueueFullException;
import dev.chainrule.training.TrainingJob;
import dev.chainrule.training.TrainingJobService;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Advances sweeps from their rows, on every replica: records the trials whose jobs ended, stops a sweep whose
 * trials no longer improve, and admits waiting trials (each as a new model and a queued job, in one transaction)
 * while the trials of all sweeps hold fewer than {@code chainrule.sweeps.max-worker-share} of the cluster's
 * workers. A sweep's row is locked FOR UPDATE SKIP LOCKED while one replica advances it, so replicas never do the
 * same step twice; a replica that dies mid-step leaves a rolled-back transaction, which the next one repeats.
 */
@Component
class SweepReconciler {
    private static final Logger log = LoggerFactory.getLogger(SweepReconciler.class);

    private final SweepRepository sweeps;
    private final ModelService models;
    private final TrainingJobService jobs;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final ChainruleProperties.Sweeps settings;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sweeps");
        thread.setDaemon(true);
        return thread;
    });

    SweepReconciler(SweepRepository sweeps, ModelService models, TrainingJobService jobs, TransactionTemplate transaction,
                    Clock clock, ChainruleProperties properties) {
        this.sweeps = sweeps;
        this.models = models;
        this.jobs = jobs;
        this.transaction = transaction;
        this.clock = clock;
        this.settings = properties.sweeps();
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        long every = settings.reconcileInterval().toMillis();
        timer.scheduleWithFixedDelay(this::reconcileAll, every, every, TimeUnit.MILLISECONDS);
    }

    /** A trial's job ended on this replica: its sweep advances now rather than at the next tick. */
    @EventListener
    void jobEnded(JobEnded ended) {
        nudge(() -> sweeps.sweepsOfJobs(List.of(ended.jobId())).values().forEach(this::reconcile));
    }

    /** Advances the sweep soon, on the sweeps' thread. */
    void nudge(String sweepId) {
        nudge(() -> reconcile(sweepId));
    }

    private void nudge(Runnable step) {
        try {
            timer.execute(() -> {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    log.warn("could not advance a sweep; the next reconcile tries again", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down: the next start (or another replica) goes on
        }
    }

    private void reconcileAll() {
        try {
            for (String id : sweeps.unfinished()) {
                reconcile(id);
            }
        } catch (RuntimeException e) {
            log.warn("could not advance the sweeps; trying again in {}", settings.reconcileInterval(), e);
        }
    }

    /** Records ended trials, then admits waiting ones while there is room; skipped while another replica holds it. */
    void reconcile(String sweepId) {
        Boolean mayAdmit = transaction.execute(status -> sweeps.tryLock(sweepId) && recordEnds(sweepId));
        while (Boolean.TRUE.equals(mayAdmit) && admitOne(sweepId)) {
            // one trial per transaction: a refused admission rolls back only itself
        }
    }

    /** @return whether the sweep is still running (it may admit) */
    private boolean recordEnds(String sweepId) {
        SweepRow sweep = sweeps.find(sweepId).orElse(null);
        if (sweep == null) {
            return false;
        }
        record Ended(TrialRow trial, TrainingJob.Snapshot job) {
        }
        List<Ended> ended = new ArrayList<>();
        Instant now = DatabaseTime.now(clock);
        for (TrialRow trial : sweeps.trials(sweepId)) {
            if (trial.state() != TrialState.ADMITTED) {
                continue;
            }
            try {
                TrainingJob.Snapshot job = jobs.get(trial.jobId()).snapshot(now);
                if (job.status().isFinished()) {
                    ended.add(new Ended(trial, job));
                }
            } catch (JobNotFoundException e) {
                ended.add(new Ended(trial, null));
            }
        }
        ended.sort(Comparator.comparing((Ended e) -> e.job() == null ? now : e.job().finishedAt())
                .thenComparingInt(e -> e.trial().trial()));
        int order = sweeps.lastFinishedOrder(sweepId);
        for (Ended end : ended) {
            TrialRow trial = end.trial();
            TrialState state = end.job() == null ? TrialState.FAILED : TrialState.valueOf(end.job().status().name());
            String reason = end.job() == null ? "its job " + trial.jobId() + " no longer exists" : end.job().failureReason();
            Integer version = end.job() == null ? null : end.job().resultVersion();
            Double metric = state == TrialState.SUCCEEDED ? metricOf(sweep.metric(), trial.modelId(), end.job()) : null;
            sweeps.ended(sweepId, trial.trial(), state, metric, version, reason, ++order,
                    end.job() == null ? now : end.job().finishedAt());
        }
        return advanceState(sweep, now);
    }

    /** The sweep's metric of a succeeded trial; null when it is missing or not finite. */
    private Double metricOf(SweepMetric metric, String modelId, TrainingJob.Snapshot job) {
        Double value;
        if (metric == SweepMetric.VALIDATION_LOSS) {
            try {
                value = models.version(modelId, job.resultVersion()).summary().validationLoss();
            } catch (RuntimeException e) {
                value = null; // the trial's model was deleted meanwhile
            }
        } else {
            value = job.finalMetrics() == null ? null : job.finalMetrics().get(metric.jsonName());
        }
        return value != null && Double.isFinite(value) ? value : null;
    }

    /** Stops, ends or keeps the sweep going after its trials' ends; returns whether it may admit more. */
    private boolean advanceState(SweepRow sweep, Instant now) {
        List<TrialRow> trials = sweeps.trials(sweep.id());
        boolean active = trials.stream().anyMatch(t -> t.state() == TrialState.ADMITTED);
        boolean waiting = trials.stream().anyMatch(t -> t.state() == TrialState.WAITING);
        if (sweep.state() != SweepState.RUNNING) {
            if (!active) {
                sweeps.finishedAt(sweep.id(), now);
            }
            return false;
        }
        if (sweep.patience() != null && (waiting || active)
                && staleTrials(trials, sweep.direction()) >= sweep.patience()) {
            sweeps.endWaiting(sweep.id(), TrialState.SKIPPED, now);
            sweeps.state(sweep.id(), SweepState.EARLY_STOPPED, "no better " + sweep.metric().jsonName() + " in the last "
                    + sweep.patience() + " finished trials");
            if (!active) {
                sweeps.finishedAt(sweep.id(), now);
            }
            log.info("sweep {} stopped early after {} trials without improvement", sweep.id(), sweep.patience());
            return false;
        }
        if (!waiting && !active) {
            boolean anySucceeded = trials.stream().anyMatch(t -> t.state() == TrialState.SUCCEEDED);
            sweeps.state(sweep.id(), anySucceeded ? SweepState.SUCCEEDED : SweepState.FAILED,
                    anySucceeded ? null : "no trial succeeded");
            sweeps.finishedAt(sweep.id(), now);
            return false;
        }
        return waiting;
    }

    /** Finished trials (succeeded or failed) since the last one that improved on all before it. */
    static int staleTrials(List<TrialRow> trials, String direction) {
        List<TrialRow> finished = trials.stream().filter(t -> t.finishedOrder() != null
                        && (t.state() == TrialState.SUCCEEDED || t.state() == TrialState.FAILED))
                .sorted(Comparator.comparingInt(TrialRow::finishedOrder)).toList();
        Double best = null;
        int stale = 0;
        for (TrialRow trial : finished) {
            Double metric = trial.state() == TrialState.SUCCEEDED ? trial.metric() : null;
            boolean better = metric != null && (best == null
                    || (direction.equals("maximize") ? metric > best : metric < best));
            if (better) {
                best = metric;
                stale = 0;
            } else {
                stale++;
            }
        }
        return stale;
    }

    /** Admits the sweep's next waiting trial if the share allows; returns whether one was admitted. */
    private boolean admitOne(String sweepId) {
        TrialRow[] trying = {null};
        try {
            return Boolean.TRUE.equals(transaction.execute(status -> {
                if (!sweeps.tryLock(sweepId)) {
                    return false;
                }
                SweepRow sweep = sweeps.find(sweepId).orElse(null);
                if (sweep == null || sweep.state() != SweepState.RUNNING) {
                    return false;
                }
                sweeps.lockAdmission();
                if (sweeps.countAdmitted() >= settings.trialSlots(jobs.clusterWorkers())) {
                    return false;
                }
                TrialRow trial = sweeps.nextWaiting(sweepId).orElse(null);
                if (trial == null) {
                    return false;
                }
                trying[0] = trial;
                TrialPlan.ModelPlan plan = trial.plan().model();
                // the model, the job and the trial's admission commit together, or none of them does
                Model model = models.create(plan.name(), plan.description(), plan.definition(), plan.seed(),
                        plan.lossEpsilon());
                TrainingJob job = jobs.submit(trial.plan().job().spec(model.id()));
                sweeps.admitted(sweepId, trial.trial(), model.id(), job.id());
                log.info("sweep {}: trial {} admitted as job {} of model {} {}", sweepId, trial.trial(), job.id(),
                        model.id(), trial.plan().parameters());
                return true;
            }));
        } catch (QueueFullException e) {
            return false; // the queue is full of other work: the trial waits in its sweep, not refused
        } catch (DatasetNotFoundException | ModelNotFoundException e) {
            if (trying[0] != null) {
                fail(sweepId, trying[0], "could not start: " + e.getMessage());
                return true;
            }
            throw e;
        }
    }

    private void fail(String sweepId, TrialRow trial, String reason) {
        transaction.executeWithoutResult(status -> {
            if (sweeps.tryLock(sweepId)) {
                sweeps.ended(sweepId, trial.trial(), TrialState.FAILED, null, null, reason,
                        sweeps.lastFinishedOrder(sweepId) + 1, DatabaseTime.now(clock));
            }
        });
        log.warn("sweep {}: trial {} failed: {}", sweepId, trial.trial(), reason);
    }

    /** The trials of a sweep as they are now: an admitted one shows its job's state. */
    List<Sweep.Trial> trialsOf(List<TrialRow> rows) {
        List<Sweep.Trial> trials = new ArrayList<>(rows.size());
        for (TrialRow row : rows) {
            String status = row.state().name();
            if (row.state() == TrialState.ADMITTED) {
                try {
                    var job = jobs.get(row.jobId()).status();
                    // a job that has ended is the trial's end only once the sweep records it, with its metric
                    status = job.isFinished() ? "RUNNING" : job.name();
                } catch (JobNotFoundException e) {
                    status = "RUNNING"; // recorded at the next reconcile
                }
            }
            trials.add(new Sweep.Trial(row.trial(), row.plan().parameters(), status, row.modelId(), row.jobId(),
                    row.version(), row.metric(), row.failureReason(), row.finishedAt(), row.finishedOrder()));
        }
        return trials;
    }

    /** Lets a step in progress end (an interrupt inside a write would close the embedded database's file). */
    @PreDestroy
    void stop() throws InterruptedException {
        timer.shutdown();
        timer.awaitTermination(30, TimeUnit.SECONDS);
    }
}
