package dev.chainrule.training;

/**
 * What a scoring job needs to run (again), as its record keeps it: the dataset, the version resolved when the job
 * was submitted (an alias moved later does not change what the job scores), the rows to score and the result's
 * outputs.
 *
 * @param rows the dataset's rows, for progress
 */
public record ScoringSettings(String datasetId, int version, long rows) {
}
