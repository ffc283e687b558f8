package dev.chainrule.model;

import dev.chainrule.engine.NetworkDefinition;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A model as stored: the architecture and seed the user defined, and the immutable versions its training jobs
 * produced, oldest first. A snapshot: a later version or job does not change this object.
 *
 * @param activeJobs   training jobs for this model that are queued or running
 * @param defaultAlias the alias unnamed predictions use, or null for the latest version
 * @param aliases      the model's aliases and the versions they point to, by name
 */
public record Model(String id, String name, String description, NetworkDefinition definition, long seed,
                    double lossEpsilon, Instant createdAt, List<ModelVersion> versions, int activeJobs,
                    String defaultAlias, java.util.SortedMap<String, Integer> aliases) {

    public Model {
        versions = List.copyOf(versions);
        aliases = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(aliases));
    }

    /** What the model is doing, for GET /models/{id}. */
    public enum TrainingState {
        UNTRAINED, TRAINING, TRAINED
    }

    public TrainingState trainingState() {
        if (activeJobs > 0) {
            return TrainingState.TRAINING;
        }
        return versions.isEmpty() ? TrainingState.UNTRAINED : TrainingState.TRAINED;
    }

    /** The named version, or the latest when {@code number} is null. */
    public Optional<ModelVersion> version(Integer number) {
        if (versions.isEmpty()) {
            return Optional.empty();
        }
        if (number == null) {
            return Optional.of(versions.get(versions.size() - 1));
        }
        return versions.stream().filter(v -> v.number() == number).findFirst();
    }
}
