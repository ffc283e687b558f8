package dev.chainrule.model;

import dev.chainrule.engine.model.TrainedModel;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One immutable set of trained parameters of a model: its summary, and its network loaded from the version's
 * file on first use. The network is never trained further: continuing training copies it, and predictions run on
 * replicas that read its weights (a network's buffers serve one thread at a time).
 */
public final class ModelVersion {
    private final String modelId;
    private final int number;
    private final Summary summary;
    private final String file;
    private final Supplier<TrainedModel> network;
    private final String alias;

    /**
     * @param jobId          the job that trained it (null for an imported version)
     * @param createdAt      when the job finished (or the import happened)
     * @param epochs         epochs the job ran
     * @param trainingLoss   final training loss
     * @param validationLoss final validation loss, or null
     * @param metrics        final validation metrics (or training metrics without validation data)
     * @param provenance     what made it, as JSON: the job's settings, the seed, the data's checksum and shape, the
     *                       version it continued from, the service's version and commit (empty when unknown)
     */
    public record Summary(String jobId, Instant createdAt, int epochs, double trainingLoss, Double validationLoss,
                          Map<String, Double> metrics, Map<String, Object> provenance) {
        public Summary {
            metrics = Map.copyOf(metrics);
            provenance = provenance == null ? Map.of() : java.util.Collections.unmodifiableMap(
                    new java.util.LinkedHashMap<>(provenance));
            createdAt = createdAt.truncatedTo(ChronoUnit.MICROS); // what the database keeps
        }

        /** A summary whose provenance is not known. */
        public Summary(String jobId, Instant createdAt, int epochs, double trainingLoss, Double validationLoss,
                       Map<String, Double> metrics) {
            this(jobId, createdAt, epochs, trainingLoss, validationLoss, metrics, Map.of());
        }
    }

    ModelVersion(String modelId, int number, Summary summary, String file, Supplier<TrainedModel> network, String alias) {
        this.alias = alias;
        this.modelId = modelId;
        this.number = number;
        this.summary = summary;
        this.file = file;
        this.network = network;
    }

    public String modelId() {
        return modelId;
    }

    /** 1, 2, 3, ... within the model. */
    public int number() {
        return number;
    }

    /** The alias this version was looked up by (named, or the model's default), or null. */
    public String alias() {
        return alias;
    }

    public Summary summary() {
        return summary;
    }

    /** The version's file, relative to the data directory. */
    String file() {
        return file;
    }

    /** The trained network and its standardisation, read from the version's file when first needed. */
    public TrainedModel trainedModel() {
        return network.get();
    }
}
