package dev.chainrule.api.training;

import tools.jackson.databind.JsonNode;

/**
 * POST /train: which model, which data, which hyperparameters. Every field but modelId and the training data
 * (data or datasetId) has a default.
 *
 * @param modelId         the model to train
 * @param data            inline training rows (or datasetId)
 * @param validation      inline validation rows (or validationDatasetId, or validationSplit)
 * @param datasetId       an uploaded dataset as the training rows, instead of data
 * @param validationDatasetId an uploaded dataset as the validation rows, instead of validation
 * @param validationSplit fraction of data held out for validation, in (0, 1), after a seeded shuffle
 * @param epochs          passes over the data (default 10)
 * @param batchSize       rows per gradient step (default 32; 1 = per-example SGD; >= rows = full batch)
 * @param optimizer       update rule (default adam, learning rate 0.001)
 * @param l1              L1 penalty on weights (default 0)
 * @param l2              L2 penalty on weights (default 0)
 * @param earlyStopping   stop when validation loss stalls (needs validation data)
 * @param shuffle         new row order every epoch (default true)
 * @param shuffleSeed     seed of that order and of the validation split (default: the model's seed)
 * @param initialization  "fresh" (default: weights from the model's seed) or "continue" (from a version)
 * @param fromVersion     with "continue", the version to start from: a number, "latest" or an alias (default the
 *                        latest)
 * @param standardize     z-score the inputs with statistics of the training rows (default true; fresh only)
 */
public record TrainRequest(String modelId, InlineData data, InlineData validation, String datasetId,
                           String validationDatasetId, Double validationSplit,
                           Integer epochs, Integer batchSize, OptimizerRequest optimizer, Double l1, Double l2,
                           EarlyStoppingRequest earlyStopping, Boolean shuffle, Long shuffleSeed,
                           String initialization, Object fromVersion, Boolean standardize) {

    /**
     * Rows given in the request.
     *
     * @param features one array of numbers per row
     * @param targets  one entry per row: a class id (cross_entropy), a number (one output), or an array of
     *                 numbers (one per output; a one-hot row or a distribution for cross_entropy)
     */
    public record InlineData(double[][] features, JsonNode targets) {
    }

    /** @param type sgd, momentum or adam */
    public record OptimizerRequest(String type, Double learningRate, Double momentum, Double beta1, Double beta2,
                                   Double epsilon) {
    }

    public record EarlyStoppingRequest(Integer patience, Double minDelta, Boolean restoreBest) {
    }
}
