package dev.chainrule.api.sweep;

import dev.chainrule.sweep.Sweep;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A sweep as GET /sweeps/{id} shows it: its state, progress (trials done of planned), every trial, and the best
 * trial so far (absent until one succeeded).
 *
 * @param search the strategy and the searched fields' values
 */
public record SweepResponse(String id, String name, String state, String stopReason, String metric, String direction,
                            Integer patience, Map<String, Object> search, Instant createdAt, Instant finishedAt,
                            Sweep.Progress progress, TrialView best, List<TrialView> trials) {

    /**
     * One trial: its parameters, its model and job once admitted, and its result.
     *
     * @param status WAITING, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED or SKIPPED
     */
    public record TrialView(int trial, Map<String, Object> parameters, String status, String modelId, String jobId,
                            Integer version, Double metric, String failureReason, Instant finishedAt) {
        static TrialView of(Sweep.Trial trial) {
            return new TrialView(trial.number(), trial.parameters(), trial.status(), trial.modelId(), trial.jobId(),
                    trial.version(), trial.metric(), trial.failureReason(), trial.finishedAt());
        }
    }

    static SweepResponse of(Sweep sweep) {
        return new SweepResponse(sweep.id(), sweep.name(), sweep.state().name(), sweep.stopReason(),
                sweep.metric().jsonName(), sweep.direction(), sweep.patience(), sweep.search(), sweep.createdAt(),
                sweep.finishedAt(), sweep.progress(), sweep.best().map(TrialView::of).orElse(null),
                sweep.trials().stream().map(TrialView::of).toList());
    }
}
