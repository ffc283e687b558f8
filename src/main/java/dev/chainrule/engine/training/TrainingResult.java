package dev.chainrule.engine.training;

import java.util.List;

/**
 * The end of a training run.
 *
 * @param outcome       how it ended
 * @param history       one report per finished epoch
 * @param bestEpoch     epoch with the lowest validation loss (or training loss without validation), 0 if none
 * @param failureReason why it diverged, null otherwise
 */
public record TrainingResult(TrainingOutcome outcome, List<EpochReport> history, int bestEpoch, String failureReason) {
    public TrainingResult {
        history = List.copyOf(history);
    }

    public EpochReport lastEpoch() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }
}
