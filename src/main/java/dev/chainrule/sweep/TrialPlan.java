package dev.chainrule.sweep;

import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.training.TrainingJobSpec;
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
     * The trial's training job on stored datasets, as POST /train would queue it.
     *
     * @param validationSplit rows of the training dataset held out for validation, or null
     * @param trainingRows    rows trained on (after the split)
     */
    public record JobPlan(String datasetId, String validationDatasetId, TrainingJobSpec.ValidationSplit validationSplit,
                          int trainingRows, TrainingConfig config, boolean standardise) {
        TrainingJobSpec spec(String modelId) {
            return new TrainingJobSpec(modelId, null, datasetId, null, validationDatasetId, validationSplit, trainingRows,
                    config, null, standardise);
        }
    }
}
