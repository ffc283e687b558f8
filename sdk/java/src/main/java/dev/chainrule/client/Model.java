package dev.chainrule.client;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A model as the service shows it: its definition, training state and trained versions.
 *
 * @param id             the model's id
 * @param name           its label, or null
 * @param description    its description, or null
 * @param inputWidth     features per row
 * @param layers         its layers, the last one being the output
 * @param loss           the objective
 * @param initialiser    how its first weights were drawn
 * @param seed           seed of the initial weights
 * @param lossEpsilon    stability constant inside the loss's logarithms
 * @param parameterCount trainable weights and biases
 * @param createdAt      when it was defined
 * @param trainingState  UNTRAINED, TRAINING (a job queued or running) or TRAINED
 * @param latestVersion  the newest version's number, or null before the first
 * @param versions       every trained version, oldest first
 * @param defaultAlias   the alias unnamed predictions use; null when they use the latest version
 * @param aliases        the model's aliases and the versions they point to, by name
 * @param sweepId        the sweep it is a trial of; null for other models
 */
public record Model(String id, String name, String description, int inputWidth, List<Layer> layers, Loss loss,
                    Initialiser initialiser, long seed, double lossEpsilon, long parameterCount, Instant createdAt,
                    TrainingState trainingState, Integer latestVersion, List<ModelVersion> versions,
                    String defaultAlias, java.util.Map<String, Integer> aliases, String sweepId) {

    /** Whether a model has a version, or a job for it is under way. */
    public enum TrainingState { UNTRAINED, TRAINING, TRAINED }

    /** The given version, if the model has it. */
    public Optional<ModelVersion> version(int number) {
        return versions.stream().filter(v -> v.version() == number).findFirst();
    }
}
