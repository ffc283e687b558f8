package dev.chainrule.api;

/**
 * POST /models/{id}/predict.
 *
 * @param instances one array of raw feature values per row; all rows go through one forward pass
 * @param version   the version to use; the latest when absent
 */
public record PredictRequest(double[][] instances, Integer version) {
}
