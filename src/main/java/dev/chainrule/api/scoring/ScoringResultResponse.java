package dev.chainrule.api.scoring;

import java.util.List;
import java.util.Map;

/**
 * GET /jobs/{id}/result: what a scoring job's result holds, and where to download it.
 *
 * @param metrics        accuracy, logLoss and confusionMatrix (classifiers) or mse, mae and r2 (regression); null
 *                       when the dataset's targets cannot be compared with the outputs ({@code metricsOmitted} says why)
 * @param metricsOmitted why there are no metrics, else null
 */
public record ScoringResultResponse(String jobId, String modelId, int version, String datasetId, long rows,
                                    List<String> columns, Map<String, Object> metrics, String metricsOmitted,
                                    Links links) {

    /** The result as CSV (add ?gzip=true for a gzip file) and as a float32 file. */
    public record Links(String csv, String float32) {
    }
}
