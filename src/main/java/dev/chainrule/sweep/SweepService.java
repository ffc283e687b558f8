package dev.chainrule.sweep;

import dev.chainrule.model.ModelNotFoundException;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.Page;
import dev.chainrule.storage.DatabaseTime;
import dev.chainrule.sweep.SweepRepository.SweepRow;
import dev.chainrule.sweep.SweepRepository.TrialRow;
import dev.chainrule.training.JobNotFoundException;
import dev.chainrule.training.TrainingJobService;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Hyperparameter sweeps as users see them: create (every trial stored, waiting), read, list, cancel, delete, and
 * the best trial. {@link SweepReconciler} advances them on every replica.
 */
@Service
public class SweepService {
    private final SweepRepository sweeps;
    private final SweepReconciler reconciler;
    private final ModelService models;
    private final TrainingJobService jobs;
    private final TransactionTemplate transaction;
    private final Clock clock;

    SweepService(SweepRepository sweeps, SweepReconciler reconciler, ModelService models, TrainingJobService jobs,
                 TransactionTemplate transaction, Clock clock) {
        this.sweeps = sweeps;
        this.reconciler = reconciler;
        this.models = models;
        this.jobs = jobs;
        this.transaction = transaction;
        this.clock = clock;
    }

    /** Stores the sweep and all its trials (waiting) in one transaction, then starts admitting them. */
    public Sweep create(SweepPlan plan) {
        SweepRow row = new SweepRow(UUID.randomUUID().toString(), plan.name(), SweepState.RUNNING, plan.metric(),
                plan.direction(), plan.patience(), plan.search(), DatabaseTime.now(clock), null, null);
        transaction.executeWithoutResult(status -> sweeps.insert(row, plan.trials()));
        reconciler.nudge(row.id());
        return get(row.id());
    }

    public Sweep get(String id) {
        SweepRow row = sweeps.find(id).orElseThrow(() -> new SweepNotFoundException(id));
        return view(row, sweeps.trials(id));
    }

    /** A page of sweeps, oldest first. */
    public Page<Sweep> list(int page, int size) {
        int offset = (int) Math.min((long) page * size, Integer.MAX_VALUE);
        List<Sweep> items = sweeps.page(offset, size).stream().map(row -> view(row, sweeps.trials(row.id()))).toList();
        return new Page<>(items, page, size, sweeps.count());
    }

    private Sweep view(SweepRow row, List<TrialRow> trials) {
        return new Sweep(row.id(), row.name(), row.state(), row.stopReason(), row.metric(), row.direction(),
                row.patience(), row.search(), row.createdAt(), row.finishedAt(), reconciler.trialsOf(trials));
    }

    /**
     * Cancels what has not finished: waiting trials at once, admitted ones' jobs as a job cancel does (their ends are
     * recorded as they come). A sweep that already ended keeps its state.
     */
    public Sweep cancel(String id) {
        List<String> running = transaction.execute(status -> {
            if (!sweeps.lock(id)) {
                throw new SweepNotFoundException(id);
            }
            SweepRow row = sweeps.find(id).orElseThrow();
            if (row.state() == SweepState.RUNNING) {
                sweeps.endWaiting(id, TrialState.CANCELLED, DatabaseTime.now(clock));
                sweeps.state(id, SweepState.CANCELLED, "cancelled");
            }
            return sweeps.trials(id).stream().filter(t -> t.state() == TrialState.ADMITTED).map(TrialRow::jobId).toList();
        });
        for (String jobId : running) {
            try {
                jobs.cancel(jobId);
            } catch (JobNotFoundException e) {
                // recorded as failed at the next reconcile
            }
        }
        reconciler.nudge(id);
        return get(id);
    }

    /**
     * Deletes the sweep, then its trials' models (with their versions); refused while a trial waits or runs. A model
     * that cannot be deleted (a crash between the two steps) stays an ordinary model.
     *
     * @throws SweepConflictException (sweep-active) while trials wait or run: cancel it first
     */
    public void delete(String id) {
        List<TrialRow> trials = transaction.execute(status -> {
            if (!sweeps.lock(id)) {
                throw new SweepNotFoundException(id);
            }
            List<TrialRow> rows = sweeps.trials(id);
            long unfinished = rows.stream().filter(t -> !t.state().isFinished()).count();
            if (unfinished > 0) {
                throw new SweepConflictException("sweep-active", "sweep " + id + " has " + unfinished
                        + " trial(s) waiting or running; cancel it first (POST /sweeps/" + id + "/cancel)");
            }
            sweeps.delete(id);
            return rows;
        });
        for (TrialRow trial : trials) {
            if (trial.modelId() != null) {
                try {
                    models.delete(trial.modelId());
                } catch (ModelNotFoundException e) {
                    // deleted by its user already
                }
            }
        }
    }

    /**
     * The best trial so far, whose version a prediction through the sweep uses.
     *
     * @throws SweepConflictException (sweep-not-trained) while no trial has succeeded with a metric
     */
    public Sweep.Trial best(String id) {
        return get(id).best().orElseThrow(() -> new SweepConflictException("sweep-not-trained", "sweep " + id
                + " has no succeeded trial with a metric yet; GET /sweeps/" + id + " shows its trials"));
    }

    /** The trials whose end was recorded after the {@code afterOrder}-th, in that order (the events' stream). */
    public List<Sweep.Trial> finishedAfter(String id, int afterOrder) {
        return reconciler.trialsOf(sweeps.finishedAfter(id, afterOrder));
    }

    /** The sweep each named job is a trial of (jobs of no sweep are absent). */
    public Map<String, String> sweepsOfJobs(Collection<String> jobIds) {
        return sweeps.sweepsOfJobs(jobIds);
    }

    /** The sweep each named model is a trial of (models of no sweep are absent). */
    public Map<String, String> sweepsOfModels(Collection<String> modelIds) {
        return sweeps.sweepsOfModels(modelIds);
    }
}
