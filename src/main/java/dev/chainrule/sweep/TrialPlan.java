package dev.chainrule.sweep;

import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.training.RowSource;
import dev.chainrule.training.TrainingJobSpec;
import dev.chainrule.training.Validation;
import java.util.Map;

/**
 * One trial as generated when its sweep is created: the searched fields' values, and the model and training job
 * that admission creates from them (already validated, so admission only creates).
 *
 * @param parameters the searched fields and this trial's value of each, in the space's order
 */
public record TrialPlan(Map<String, Object> parameters, ModelPlan model, JobPlan job) {

    /** The trial's model, as POST /models would define it. */
    public record ModelPlan(String name, String description, NetworkDefinition definition, long seed,
                            double lossEpsilon) {
    }

    /**
     * The trial's training job on stored datasets, as POST /train would queue it; kept as JSON in the trial's row, so
     * its fields stay as they are stored.
     *
     * @param validationDatasetId the dataset to validate on, or null
     * @param validationSplit     rows of the training dataset held out for validation, or null
     * @param trainingRows        rows trained on (after the split)
     */
    public record JobPlan(String datasetId, String validationDatasetId, Validation.Split validationSplit,
                          int trainingRows, TrainingConfig config, boolean standardise) {

        /** The plan of a job on uploaded datasets (a sweep's trials train on nothing else). */
        public static JobPlan of(TrainingJobSpec spec) {
            if (!(spec.training() instanceof RowSource.UploadedDataset training)) {
                throw new IllegalArgumentException("a trial trains on an uploaded dataset, not " + spec.training());
            }
            String validationDatasetId = null;
            if (spec.validation() instanceof Validation.OwnRows own) {
                if (!(own.rows() instanceof RowSource.UploadedDataset validation)) {
                    throw new IllegalArgumentException("a trial validates on an uploaded dataset, not " + own.rows());
                }
                validationDatasetId = validation.datasetId();
            }
            return new JobPlan(training.datasetId(), validationDatasetId,
                    spec.validation() instanceof Validation.Split split ? split : null, spec.trainingRows(), spec.config(),
                    spec.standardise());
        }

        TrainingJobSpec spec(String modelId) {
            Validation validation = validationDatasetId != null
                    ? new Validation.OwnRows(new RowSource.UploadedDataset(validationDatasetId))
                    : validationSplit != null ? validationSplit : Validation.NONE;
            return new TrainingJobSpec(modelId, new RowSource.UploadedDataset(datasetId), validation, trainingRows,
                    config, null, standardise);
        }
    }
}
