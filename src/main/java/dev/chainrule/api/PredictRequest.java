package dev.chainrule.api;

/**
 * POST /models/{id}/predict.
 *
 * @param instances one array of raw feature values per row, read straight into float32; all rows go through one
 *                  forward pass
 * @param version   the version to use; the latest when absent
 */
public record PredictRequest(InstanceRows instances, Integer version) {
}
