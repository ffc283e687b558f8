package dev.chainrule.api.prediction;

import dev.chainrule.api.model.VersionParameter;
import dev.chainrule.api.rows.InstanceRows;

/**
 * POST /models/{id}/predict.
 *
 * @param instances one array of raw feature values per row, read straight into float32; all rows go through one
 *                  forward pass
 * @param version   the version to use: a number, "latest" or an alias name (read as {@link VersionParameter} says);
 *                  absent, the model's default alias, or the latest version when it has none
 */
public record PredictRequest(InstanceRows instances, Object version) {
}
