package dev.chainrule.training;

import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.TrainingConfig;
import java.util.Objects;

/**
 * A validated training request, ready to run: raw (unstandardised) data already split, hyperparameters,
 * and where the weights start.
 *
 * @param modelId      the model to train
 * @param training     training rows (raw features; targets in the network's shape)
 * @param validation   validation rows, or null
 * @param config       epochs, batch size, optimiser, penalties, shuffling, early stopping
 * @param fromVersion  continue from this version's weights (and its standardisation); null for a fresh start
 * @param standardise  fit z-score standardisation on the training rows (fresh starts only)
 * @param trainingDatasetId   the stored dataset the training rows come from, or null for inline rows
 * @param validationDatasetId the stored dataset the validation rows come from, or null
 */
public record TrainingJobSpec(String modelId, Dataset training, Dataset validation, TrainingConfig config,
                              Integer fromVersion, boolean standardise, String trainingDatasetId,
                              String validationDatasetId) {
    public TrainingJobSpec {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(config, "config");
    }

    /** A job on rows given inline (no stored dataset). */
    public TrainingJobSpec(String modelId, Dataset training, Dataset validation, TrainingConfig config,
                           Integer fromVersion, boolean standardise) {
        this(modelId, training, validation, config, fromVersion, standardise, null, null);
    }

    /** Minibatches the whole job plans to run (early stopping may end it sooner). */
    public long plannedBatches() {
        int rows = training.size();
        int batch = Math.min(config.batchSize(), rows);
        return (long) config.epochs() * ((rows + batch - 1) / batch);
    }
}
