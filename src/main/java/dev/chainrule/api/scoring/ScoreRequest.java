package dev.chainrule.api.scoring;

/**
 * POST /models/{id}/score.
 *
 * @param datasetId the stored dataset to score (POST /datasets); its feature columns must match the model's input
 * @param version   a number, "latest" or an alias name, as predict reads it; absent, the model's default alias, or the
 *                  latest version. Resolved when the job is submitted: a later alias move does not change it
 */
public record ScoreRequest(String datasetId, Object version) {
}
