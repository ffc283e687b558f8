package dev.chainrule.training;

import dev.chainrule.dataset.DatasetSplit;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.TrainingConfig;
import java.util.Objects;

/**
 * A validated training request, ready to run: where its raw (unstandardised) rows come from, hyperparameters,
 * and where the weights start. Rows given inline are here (already checked, and already split when a
 * validationSplit was asked for); a stored dataset is only named, and read, split and checked row by row when the
 * job runs, so a queued job holds no copy of it.
 *
 * @param modelId             the model to train
 * @param training            training rows given inline (raw features; targets in the network's shape), or null
 * @param trainingDatasetId   the stored dataset to train on, when {@code training} is null
 * @param validation          validation rows given inline, or null
 * @param validationDatasetId the stored dataset to validate on, or null
 * @param validationSplit     rows of the training dataset held out for validation when the job runs, or null
 *                            (only with {@code trainingDatasetId} and no other validation rows)
 * @param trainingRows        rows the job trains on (after the split), for its planned batch count
 * @param config              epochs, batch size, optimiser, penalties, shuffling, early stopping
 * @param fromVersion         continue from this version's weights (and its standardisation); null for a fresh start
 * @param standardise         fit z-score standardisation on the training rows (fresh starts only)
 */
public record TrainingJobSpec(String modelId, Dataset training, String trainingDatasetId, Dataset validation,
                              String validationDatasetId, ValidationSplit validationSplit, int trainingRows,
                              TrainingConfig config, Integer fromVersion, boolean standardise) {
    public TrainingJobSpec {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(config, "config");
        if ((training == null) == (trainingDatasetId == null)) {
            throw new IllegalArgumentException("give either training rows or a training dataset");
        }
        if (validation != null && validationDatasetId != null) {
            throw new IllegalArgumentException("give either validation rows or a validation dataset");
        }
        if (validationSplit != null && (trainingDatasetId == null || validation != null || validationDatasetId != null)) {
            throw new IllegalArgumentException("a validation split holds out rows of a training dataset that has no other validation rows");
        }
        if (training != null && training.size() != trainingRows) {
            throw new IllegalArgumentException("trainingRows is " + trainingRows + " but " + training.size() + " rows were given");
        }
        if (trainingRows < 1) {
            throw new IllegalArgumentException("trainingRows must be positive, got " + trainingRows);
        }
    }

    /** A job on rows given inline (no stored dataset). */
    public TrainingJobSpec(String modelId, Dataset training, Dataset validation, TrainingConfig config,
                           Integer fromVersion, boolean standardise) {
        this(modelId, Objects.requireNonNull(training, "training"), null, validation, null, null, training.size(), config,
                fromVersion, standardise);
    }

    /** Minibatches the whole job plans to run (early stopping may end it sooner). */
    public long plannedBatches() {
        return plannedBatches(config, trainingRows);
    }

    /** Minibatches of {@code config}'s epochs over {@code rows} rows (a batch larger than the rows is all of them). */
    static long plannedBatches(TrainingConfig config, int rows) {
        return (long) config.epochs() * batchesPerEpoch(config, rows);
    }

    /** Minibatches in one epoch over {@code rows} rows, the last one possibly short. */
    static int batchesPerEpoch(TrainingConfig config, int rows) {
        int batch = Math.min(config.batchSize(), Math.max(1, rows));
        return (rows + batch - 1) / batch;
    }

    /**
     * Rows of the training dataset held out for validation: {@code DatasetSplit.random(rows, fraction, seed)}, the
     * same rows whenever the job runs.
     *
     * @param fraction of the rows held out, in (0, 1)
     * @param seed     the split's seed (the request's shuffle seed)
     */
    public record ValidationSplit(double fraction, long seed) {
        public ValidationSplit {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
            }
        }

        /** The split of a dataset of {@code rows} rows: the one POST /train makes of as many inline rows. */
        public DatasetSplit of(int rows) {
            return DatasetSplit.random(rows, fraction, seed);
        }
    }
}
