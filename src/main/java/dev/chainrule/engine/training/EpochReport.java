package dev.chainrule.engine.training;

import java.util.Map;

/**
 * What one epoch achieved.
 *
 * @param epoch              1-based
 * @param trainingLoss       mean objective over the epoch's minibatches (each at the weights it was computed
 *                           with) plus the regularisation penalty at the epoch's end
 * @param trainingMetrics    the same running figures for the task's metrics (accuracy, or mse and r2)
 * @param validationLoss     objective plus penalty on the validation data at the epoch's end; null without one
 * @param validationMetrics  the task's metrics on the validation data; empty without one
 * @param durationNanos      wall time of the epoch, validation included
 */
public record EpochReport(int epoch, double trainingLoss, Map<String, Double> trainingMetrics,
                          Double validationLoss, Map<String, Double> validationMetrics, long durationNanos) {
    public EpochReport {
        trainingMetrics = Map.copyOf(trainingMetrics);
        validationMetrics = Map.copyOf(validationMetrics);
    }
}
