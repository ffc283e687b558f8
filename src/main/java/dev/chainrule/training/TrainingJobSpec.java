package dev.chainrule.training;

import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A validated training request, ready to run: where its raw (unstandardised) rows come from, which rows it validates
 * on, hyperparameters, and where the weights start. Whatever their source, the rows are read from a file in the
 * dataset format when the job runs (and split then when a validation split was asked for), so a queued job holds no
 * copy of them in memory.
 *
 * @param modelId      the model to train
 * @param training     where the training rows come from (before any validation split)
 * @param validation   the validation rows: none, held out of the training rows, or their own
 * @param trainingRows rows the job trains on (after the split), for its planned batch count
 * @param config       epochs, batch size, optimiser, penalties, shuffling, early stopping
 * @param fromVersion  continue from this version's weights (and its standardisation); null for a fresh start
 * @param standardise  fit z-score standardisation on the training rows (fresh starts only)
 */
public record TrainingJobSpec(String modelId, RowSource training, Validation validation, int trainingRows,
                              TrainingConfig config, Integer fromVersion, boolean standardise) {
    public TrainingJobSpec {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(config, "config");
        if (trainingRows < 1) {
            throw new IllegalArgumentException("trainingRows must be positive, got " + trainingRows);
        }
        if (training instanceof RowSource.RequestRows given) {
            int rows = validation instanceof Validation.Split split ? split.trainingRows(given.rows().size())
                    : given.rows().size();
            if (rows != trainingRows) {
                throw new IllegalArgumentException("trainingRows is " + trainingRows + " but the rows given leave " + rows);
            }
        }
    }

    /** A job on rows sent with it: {@code training}, and {@code validation} or null for none. */
    public TrainingJobSpec(String modelId, Dataset training, Dataset validation, TrainingConfig config,
                           Integer fromVersion, boolean standardise) {
        this(modelId, new RowSource.RequestRows(training),
                validation == null ? Validation.NONE : new Validation.OwnRows(new RowSource.RequestRows(validation)),
                training.size(), config, fromVersion, standardise);
    }

    /** The same job reading its rows from other sources (the files its rows were stored in). */
    TrainingJobSpec withRows(RowSource training, Validation validation) {
        return new TrainingJobSpec(modelId, training, validation, trainingRows, config, fromVersion, standardise);
    }

    /** The uploaded datasets the job reads (training first), none, one or two. */
    List<String> datasetIds() {
        List<String> ids = new ArrayList<>(2);
        if (training instanceof RowSource.UploadedDataset dataset) {
            ids.add(dataset.datasetId());
        }
        if (validation instanceof Validation.OwnRows own && own.rows() instanceof RowSource.UploadedDataset dataset) {
            ids.add(dataset.datasetId());
        }
        return ids;
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
}
