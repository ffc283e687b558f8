package dev.chainrule.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A hyperparameter sweep ({@code GET /sweeps/{id}}). {@code finishedAt} is null while anything of it runs;
 * {@code best} until a trial succeeded.
 *
 * @param state  RUNNING, SUCCEEDED, FAILED, EARLY_STOPPED or CANCELLED
 * @param search the strategy and the searched fields' values
 */
public record Sweep(String id, String name, String state, String stopReason, String metric, String direction,
                    Integer patience, Map<String, Object> search, Instant createdAt, Instant finishedAt,
                    Progress progress, Trial best, List<Trial> trials) {

    /** Whether nothing of the sweep runs any more. */
    public boolean isFinished() {
        return finishedAt != null;
    }

    /** Trials by state; {@code done} counts every trial that will not run any more. */
    public record Progress(int planned, int done, int succeeded, int failed, int cancelled, int skipped, int waiting,
                           int active) {
    }

    /**
     * One trial: an ordinary model and job once admitted.
     *
     * @param status WAITING, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED or SKIPPED
     * @param metric the sweep's metric of its version, once it succeeded
     */
    public record Trial(int trial, Map<String, Object> parameters, String status, String modelId, String jobId,
                        Integer version, Double metric, String failureReason, Instant finishedAt) {
    }
}
