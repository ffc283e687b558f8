package dev.chainrule.api.prediction;

import tools.jackson.databind.JsonNode;

/**
 * POST /models/{id}/input-gradients: for each instance and its target, dJ/dx (seed 002's derivative w.r.t.
 * the input), a first-order explanation of which inputs move the loss.
 *
 * @param instances raw feature rows
 * @param targets   one target per row, in the same forms POST /train accepts
 * @param version   the version to use, as in {@link PredictRequest}
 */
public record InputGradientRequest(double[][] instances, JsonNode targets, Object version) {
}
