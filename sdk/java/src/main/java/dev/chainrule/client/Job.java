package dev.chainrule.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A training job. Fields without a value are null: {@code startedAt} until it runs, {@code finishedAt} until it
 * ends, {@code etaSeconds} except while it runs, {@code version} and {@code endReason} unless it succeeded,
 * {@code failureReason} unless it failed, {@code fromVersion} unless it continues from a version.
 *
 * @param id             the job's id
 * @param modelId        the model it trains
 * @param status         its state
 * @param progress       batches done over batches planned, 0 to 1
 * @param currentEpoch   the epoch in progress or last finished (0 before the first batch)
 * @param epochs         epochs planned
 * @param batchesDone    minibatches done
 * @param batchesPlanned minibatches planned
 * @param createdAt      when it was queued
 * @param startedAt      when it started running
 * @param finishedAt     when it ended
 * @param elapsedSeconds running time so far
 * @param etaSeconds     remaining time at the pace so far, while it runs
 * @param history        every finished epoch, in order
 * @param finalMetrics   the metrics of the version it produced; empty unless it succeeded
 * @param failureReason  why it failed
 * @param version        the model version it produced
 * @param fromVersion    the version it continued from
 * @param endReason      how a succeeded job ended: completed or early_stopped
 * @param owner          the replica running it (its chainrule.cluster.replica-id); null unless it runs
 * @param kind           "training" ({@code train}) or "scoring" ({@link ChainruleClient#score}); a scoring job's
 *                       batchesDone and batchesPlanned count rows, and it has no epochs
 * @param scoring        what a scoring job scores and how far it is; null for a training job
 * @param sweepId        the sweep it is a trial of; null for other jobs
 */
public record Job(String id, String modelId, JobStatus status, double progress, int currentEpoch, int epochs,
                  long batchesDone, long batchesPlanned, Instant createdAt, Instant startedAt, Instant finishedAt,
                  double elapsedSeconds, Double etaSeconds, List<Epoch> history, Map<String, Double> finalMetrics,
                  String failureReason, Integer version, Integer fromVersion, String endReason, String owner,
                  String kind, Scoring scoring, String sweepId) {

    /**
     * What a scoring job scores.
     *
     * @param version    the version scoring (resolved from the number or alias asked for when it was submitted)
     * @param rows       the dataset's rows
     * @param rowsScored rows scored so far by the run in progress
     * @param result     the result's path ({@code /jobs/{id}/result}) once the job has succeeded, else null
     */
    public record Scoring(String datasetId, int version, long rows, long rowsScored, String result) {
    }

    /** Whether the job has ended and will not change any more. */
    public boolean isFinished() {
        return status.isFinished();
    }
}
