package dev.chainrule.prediction;

import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.Predictor;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelVersion;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.springframework.stereotype.Service;

/**
 * Runs trained versions forward for predictions and input gradients. A network's work buffers serve one
 * thread at a time, so each version keeps a small pool of replicas (its weights shared, not copied; buffers of
 * their own): a request borrows one, runs its whole batch as one forward pass, and gives it back.
 */
@Service
public class PredictionService {
    private final ModelService models;
    private final Timer latency;
    /**
     * What serves each version: its idle replicas (engine Predictors), keyed by the version's own network
     * (identity: Network keeps Object's equals and hashCode, where a record key would hash its arrays natively on
     * every request); weak keys let deleted versions go.
     */
    private final Map<Network, ServedVersion> served = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * A version's replicas not in use right now, and the first one made, which the others are siblings of (it may be
     * in use too: making a sibling only reads what they share).
     */
    private record ServedVersion(ConcurrentLinkedDeque<Predictor> idle, Predictor first) {
    }

    public PredictionService(ModelService models, MeterRegistry meters) {
        this.models = models;
        this.latency = Timer.builder("chainrule.prediction.latency")
                .description("Time to compute one prediction request's outputs")
                .publishPercentileHistogram().register(meters);
    }

    /** The version a request names (ModelService#version). */
    public ModelVersion resolve(String modelId, dev.chainrule.model.VersionRef version) {
        return models.resolve(modelId, version);
    }

    /**
     * Outputs for {@code rows} rows of raw inputs given row-major in {@code features} (rows x the model's input
     * width), as row-major float32 values (rows x the output width); {@code features} is left as it was (it may be
     * longer than rows x width). One copy in, one copy out, no native allocation once a replica's buffers exist.
     */
    public float[] predict(ModelVersion version, float[] features, int rows) {
        return latency.record(() -> withReplica(version.trainedModel(), replica -> replica.predict(features, rows)));
    }

    /** Each row's dJ/dx for its target, w.r.t. the raw inputs. */
    public INDArray inputGradients(ModelVersion version, INDArray instances, INDArray targets) {
        return withReplica(version.trainedModel(), replica -> replica.inputGradients(instances, targets));
    }

    private <R> R withReplica(TrainedModel master, Function<Predictor, R> work) {
        ComputeThreads.applyToCurrentThread(); // request threads start with ND4J's default OpenMP count
        ComputeThreads.useShare(ComputeThreads.idleShare()); // every core while nothing else computes, else this thread
        ServedVersion version = served.computeIfAbsent(master.network(),
                k -> new ServedVersion(new ConcurrentLinkedDeque<>(), Predictor.of(master)));
        // last in, first out: the replica used last has its buffers (400 KB of input for 128 MNIST rows) in cache
        Predictor replica = version.idle().pollFirst();
        if (replica == null) {
            replica = version.first().sibling();
        }
        try {
            return work.apply(replica);
        } finally {
            version.idle().offerFirst(replica);
        }
    }
}
