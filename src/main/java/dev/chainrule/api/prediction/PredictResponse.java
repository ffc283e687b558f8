package dev.chainrule.api.prediction;

import java.util.List;

/**
 * The outputs for each instance.
 *
 * @param modelId     the model
 * @param version     the version that computed them
 * @param alias       the alias that led to the version (named, or the model's default), else absent
 * @param task        classification (softmax), binary (logistic outputs) or regression
 * @param predictions one per instance, in order
 */
public record PredictResponse(String modelId, int version, String alias, String task, List<Prediction> predictions) {

    /**
     * @param outputs       the network's outputs
     * @param classIndex    softmax: the most probable class
     * @param probabilities softmax: the class distribution; logistic: each output's probability
     * @param probability   one logistic output: P(y = 1)
     * @param decision      one logistic output: 1 when probability >= 0.5
     */
    public record Prediction(float[] outputs, Integer classIndex, float[] probabilities, Float probability,
                             Integer decision) {
    }
}
