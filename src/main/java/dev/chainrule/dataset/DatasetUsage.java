package dev.chainrule.dataset;

/**
 * Who may still read a stored dataset: implemented by the training jobs, asked before a dataset is deleted, so
 * the dataset package need not know how jobs are kept.
 */
public interface DatasetUsage {

    /** Whether a queued or running job reads the dataset (as its training or its validation rows). */
    boolean usedByActiveJob(String datasetId);
}
