package dev.chainrule.model;

/**
 * Who may still train a model: implemented by the training jobs, asked before a model is deleted and to show whether
 * it is training, so the model package need not know how jobs are kept.
 */
public interface ModelUsage {

    /** Queued and running jobs of the model, on every replica. */
    int activeJobs(String modelId);
}
