package dev.chainrule.model;

/** The model cannot be deleted while training jobs for it are queued or running. */
public class ModelInUseException extends RuntimeException {
    public ModelInUseException(String modelId, int activeJobs) {
        super("model '" + modelId + "' has " + activeJobs + " queued or running training job(s); cancel them or wait, then delete");
    }
}
