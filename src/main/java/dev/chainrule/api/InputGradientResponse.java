package dev.chainrule.api;

import java.util.List;

/** dJ_t/dx_t per instance, in the units of the raw inputs. */
public record InputGradientResponse(String modelId, int version, List<float[]> gradients) {
}
