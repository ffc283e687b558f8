package dev.chainrule.engine.training;

import dev.chainrule.engine.optim.OptimiserSettings;
import java.util.Objects;

/**
 * The hyperparameters of one training run.
 *
 * @param epochs        passes over the training data
 * @param batchSize     rows per gradient step: 1 is per-example SGD, the data size is full-batch GD
 * @param optimiser     update rule and learning rate
 * @param l1            L1 penalty on weights (lambda of seed 003), 0 for none
 * @param l2            L2 penalty on weights, 0 for none
 * @param shuffle       whether each epoch visits rows in a new random order
 * @param shuffleSeed   seed of that order: epoch e's permutation depends only on (seed, e)
 * @param earlyStopping null to run every epoch
 */
public record TrainingConfig(int epochs, int batchSize, OptimiserSettings optimiser, double l1, double l2,
                             boolean shuffle, long shuffleSeed, EarlyStopping earlyStopping) {
    public TrainingConfig {
        Objects.requireNonNull(optimiser, "optimiser");
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
    }

    /** Plain settings: shuffled minibatches, no penalty, no early stopping. */
    public static TrainingConfig of(int epochs, int batchSize, OptimiserSettings optimiser, long shuffleSeed) {
        return new TrainingConfig(epochs, batchSize, optimiser, 0, 0, true, shuffleSeed, null);
    }

    public TrainingConfig withRegularisation(double l1, double l2) {
        return new TrainingConfig(epochs, batchSize, optimiser, l1, l2, shuffle, shuffleSeed, earlyStopping);
    }

    public TrainingConfig withEarlyStopping(EarlyStopping stopping) {
        return new TrainingConfig(epochs, batchSize, optimiser, l1, l2, shuffle, shuffleSeed, stopping);
    }

    public TrainingConfig withShuffle(boolean shuffle) {
        return new TrainingConfig(epochs, batchSize, optimiser, l1, l2, shuffle, shuffleSeed, earlyStopping);
    }
}
