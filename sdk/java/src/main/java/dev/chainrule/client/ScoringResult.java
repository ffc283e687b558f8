package dev.chainrule.client;

import java.util.List;

/**
 * A succeeded scoring job's result ({@code GET /jobs/{id}/result}).
 *
 * @param columns        the result's columns: output_0 .. output_{K-1}, then class for a classifier
 * @param metrics        the metrics against the dataset's targets; null when they cannot be compared with the outputs
 * @param metricsOmitted why there are no metrics, else null
 * @param links          where to download it
 */
public record ScoringResult(String jobId, String modelId, int version, String datasetId, long rows, List<String> columns,
                            Metrics metrics, String metricsOmitted, Links links) {

    /**
     * Classifiers: accuracy, logLoss and confusionMatrix (rows the true class, columns the predicted one); regression:
     * mse, mae and r2 (null for a constant target). The others are null.
     */
    public record Metrics(Double accuracy, Double logLoss, List<List<Long>> confusionMatrix, Double mse, Double mae,
                          Double r2) {
    }

    /** The result as CSV ({@code ?gzip=true} for gzip) and as a float32 file. */
    public record Links(String csv, String float32) {
    }
}
