package dev.chainrule.client;

import java.util.Map;

/**
 * One finished epoch of a training job.
 *
 * @param epoch             its number, from 1
 * @param trainingLoss      mean objective over its minibatches plus the regularisation penalty
 * @param trainingMetrics   metrics on the training rows ({@code accuracy}, or {@code mse} and {@code r2})
 * @param validationLoss    objective plus penalty on the validation rows, or null without validation data
 * @param validationMetrics metrics on the validation rows; empty without validation data
 * @param durationSeconds   wall time of the epoch, validation included
 */
public record Epoch(int epoch, double trainingLoss, Map<String, Double> trainingMetrics, Double validationLoss,
                    Map<String, Double> validationMetrics, double durationSeconds) {
}
