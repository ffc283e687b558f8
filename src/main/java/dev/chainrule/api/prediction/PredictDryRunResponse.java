package dev.chainrule.api.prediction;

/**
 * POST /models/{id}/predict/dry-run: the request would be predicted as it is.
 *
 * @param modelId   the model
 * @param version   the version that would compute the outputs
 * @param alias     the alias that led to the version (named, or the model's default), else absent
 * @param task      classification (softmax), binary (logistic outputs) or regression, as predict would say
 * @param instances the number of rows read and checked
 */
public record PredictDryRunResponse(String modelId, int version, String alias, String task, int instances) {
}
