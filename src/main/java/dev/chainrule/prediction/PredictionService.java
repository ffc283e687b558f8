package dev.chainrule.prediction;

import dev.chainrule.engine.ComputeThreads;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelVersion;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.springframework.stereotype.Service;

/**
 * Runs trained versions forward for predictions and input gradients. A network's work buffers serve one
 * thread at a time, so each version keeps a small pool of copies: a request borrows one, runs its whole batch
 * as one forward pass, and gives it back.
 */
@Service
public class PredictionService {
    private final ModelService models;
    private final Timer latency;
    /**
     * Copies of each version's network not in use right now, keyed by the version's own network (identity:
     * Network keeps Object's equals and hashCode, where a record key would hash its arrays natively on every
     * request); weak keys let deleted versions go.
     */
    private final Map<Network, ConcurrentLinkedQueue<TrainedModel>> idleCopies =
            Collections.synchronizedMap(new WeakHashMap<>());

    public PredictionService(ModelService models, MeterRegistry meters) {
        this.models = models;
        this.latency = Timer.builder("chainrule.prediction.latency")
                .description("Time to compute one prediction request's outputs")
                .publishPercentileHistogram().register(meters);
    }

    /** The version to use: the named one, or the latest. */
    public ModelVersion resolve(String modelId, Integer version) {
        return models.version(modelId, version);
    }

    /** Outputs (T x K) for raw inputs (T x D), as a new array. */
    public INDArray predict(ModelVersion version, INDArray instances) {
        return latency.record(() -> withCopy(version.trainedModel(), copy -> copy.predict(instances)));
    }

    /** Each row's dJ/dx for its target, w.r.t. the raw inputs. */
    public INDArray inputGradients(ModelVersion version, INDArray instances, INDArray targets) {
        return withCopy(version.trainedModel(), copy -> copy.inputGradient(instances, targets));
    }

    private <R> R withCopy(TrainedModel master, Function<TrainedModel, R> work) {
        ComputeThreads.applyToCurrentThread(); // request threads start with ND4J's default OpenMP count
        ConcurrentLinkedQueue<TrainedModel> idle = idleCopies.computeIfAbsent(master.network(), k -> new ConcurrentLinkedQueue<>());
        TrainedModel copy = idle.poll();
        if (copy == null) {
            Network network = master.network().copy();
            copy = new TrainedModel(network, master.standardiser());
        }
        try {
            return work.apply(copy);
        } finally {
            idle.offer(copy);
        }
    }
}
