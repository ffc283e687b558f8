package dev.chainrule.model;

import dev.chainrule.engine.NetworkDefinition;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A model the user defined: its architecture and seed, and the immutable versions its training jobs produced.
 * Versions are only ever appended; the count of queued or running jobs guards deletion.
 */
public final class Model {
    private final String id;
    private final String name;
    private final String description;
    private final NetworkDefinition definition;
    private final long seed;
    private final double lossEpsilon;
    private final Instant createdAt;
    private final List<ModelVersion> versions = new CopyOnWriteArrayList<>();
    private int activeJobs;
    private boolean deleted;

    public Model(String id, String name, String description, NetworkDefinition definition, long seed,
                 double lossEpsilon, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.description = description;
        this.definition = definition;
        this.seed = seed;
        this.lossEpsilon = lossEpsilon;
        this.createdAt = createdAt;
    }

    /** What the model is doing, for GET /models/{id}. */
    public enum TrainingState {
        UNTRAINED, TRAINING, TRAINED
    }

    public synchronized TrainingState trainingState() {
        if (activeJobs > 0) {
            return TrainingState.TRAINING;
        }
        return versions.isEmpty() ? TrainingState.UNTRAINED : TrainingState.TRAINED;
    }

    /** Registers a job that will train this model; refused once the model is deleted. */
    public synchronized void jobStarted() {
        if (deleted) {
            throw new ModelNotFoundException(id);
        }
        activeJobs++;
    }

    public synchronized void jobEnded() {
        activeJobs--;
    }

    /** Marks the model deleted unless a job still uses it. */
    synchronized void markDeleted() {
        if (activeJobs > 0) {
            throw new ModelInUseException(id, activeJobs);
        }
        deleted = true;
    }

    /** Appends a version numbered one past the last. */
    public synchronized ModelVersion addVersion(ModelVersion.Content content) {
        ModelVersion version = new ModelVersion(versions.size() + 1, content);
        versions.add(version);
        return version;
    }

    /** The named version, or the latest when {@code number} is null. */
    public Optional<ModelVersion> version(Integer number) {
        List<ModelVersion> snapshot = List.copyOf(versions);
        if (snapshot.isEmpty()) {
            return Optional.empty();
        }
        if (number == null) {
            return Optional.of(snapshot.get(snapshot.size() - 1));
        }
        return number >= 1 && number <= snapshot.size() ? Optional.of(snapshot.get(number - 1)) : Optional.empty();
    }

    public List<ModelVersion> versions() {
        return List.copyOf(versions);
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public NetworkDefinition definition() {
        return definition;
    }

    public long seed() {
        return seed;
    }

    public double lossEpsilon() {
        return lossEpsilon;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
