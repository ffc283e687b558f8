package dev.chainrule.model;

import dev.chainrule.engine.model.TrainedModel;
import java.time.Instant;
import java.util.Map;

/**
 * One immutable set of trained parameters of a model. Its network is never trained further: continuing
 * training copies it, and predictions run on copies of it (a network's buffers serve one thread at a time).
 *
 * @param number  1, 2, 3, ... within the model
 * @param content what the training job left
 */
public record ModelVersion(int number, Content content) {

    /**
     * @param trainedModel      network and standardisation
     * @param jobId             the job that trained it
     * @param createdAt         when the job finished
     * @param epochs            epochs the job ran
     * @param trainingLoss      final training loss
     * @param validationLoss    final validation loss, or null
     * @param validationMetrics final validation metrics (or training metrics without validation data)
     */
    public record Content(TrainedModel trainedModel, String jobId, Instant createdAt, int epochs, double trainingLoss,
                          Double validationLoss, Map<String, Double> validationMetrics) {
        public Content {
            validationMetrics = Map.copyOf(validationMetrics);
        }
    }

    public TrainedModel trainedModel() {
        return content.trainedModel();
    }
}
