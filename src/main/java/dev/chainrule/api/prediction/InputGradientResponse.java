package dev.chainrule.api.prediction;

import java.util.List;

/** dJ_t/dx_t per instance, in the units of the raw inputs; alias as in {@link PredictResponse}. */
public record InputGradientResponse(String modelId, int version, String alias, List<float[]> gradients) {
}
