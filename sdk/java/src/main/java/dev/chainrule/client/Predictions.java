package dev.chainrule.client;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;

/**
 * The answer of {@code POST /models/{id}/predict}: one prediction per instance, in order.
 *
 * @param modelId     the model
 * @param version     the version that computed them
 * @param alias       the alias that led to the version (named, or the model's default); else null
 * @param task        what the outputs mean
 * @param predictions one per instance, in order
 */
public record Predictions(String modelId, int version, String alias, Task task, List<Prediction> predictions) {

    /** What a model's outputs mean, from its output layer. */
    public enum Task {
        /** a softmax output: a class distribution and its arg max */
        CLASSIFICATION("classification"),
        /** logistic outputs: probabilities (and a 0/1 decision for a single output) */
        BINARY("binary"),
        /** anything else: the outputs */
        REGRESSION("regression");

        private final String jsonName;

        Task(String jsonName) {
            this.jsonName = jsonName;
        }

        @JsonValue
        public String jsonName() {
            return jsonName;
        }
    }

    /**
     * The outputs for one instance.
     *
     * @param outputs       the network's outputs
     * @param classIndex    softmax: the most probable class; else null
     * @param probabilities softmax: the class distribution; several logistic outputs: each one's probability
     * @param probability   one logistic output: P(y = 1); else null
     * @param decision      one logistic output: 1 when probability >= 0.5; else null
     */
    public record Prediction(double[] outputs, Integer classIndex, double[] probabilities, Double probability,
                             Integer decision) {
    }

    /** Each instance's class index (softmax outputs), in order. */
    public int[] classIndices() {
        return predictions.stream().mapToInt(p -> {
            if (p.classIndex() == null) {
                throw new IllegalStateException("a " + task.jsonName() + " model's predictions have no class index");
            }
            return p.classIndex();
        }).toArray();
    }
}
