package dev.chainrule.prediction;

import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.kernel.ReusedArray;
import dev.chainrule.engine.model.SparseRowForward;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelVersion;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
     * What serves each version: its idle replicas and its sparse single-row path, keyed by the version's own network
     * (identity: Network keeps Object's equals and hashCode, where a record key would hash its arrays natively on
     * every request); weak keys let deleted versions go.
     */
    private final Map<Network, ServedVersion> served = Collections.synchronizedMap(new WeakHashMap<>());

    /** A version's replicas not in use right now, and its single-row sparse path (null where it would not pay). */
    private record ServedVersion(ConcurrentLinkedDeque<Replica> idle, SparseRowForward sparseRows) {
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
        return withReplica(version.trainedModel(), replica -> replica.model.inputGradient(instances, targets));
    }

    private <R> R withReplica(TrainedModel master, Function<Replica, R> work) {
        ComputeThreads.applyToCurrentThread(); // request threads start with ND4J's default OpenMP count
        ServedVersion version = served.computeIfAbsent(master.network(),
                k -> new ServedVersion(new ConcurrentLinkedDeque<>(), SparseRowForward.of(master)));
        // last in, first out: the replica used last has its buffers (400 KB of input for 128 MNIST rows) in cache
        Replica replica = version.idle().pollFirst();
        if (replica == null) {
            replica = new Replica(new TrainedModel(master.network().replica(), master.standardiser()),
                    version.sparseRows());
        }
        try {
            return work.apply(replica);
        } finally {
            version.idle().offerFirst(replica);
        }
    }

    /**
     * A replica of a version's network with what a float32 predict needs, prepared once: the standardisation as float32
     * mean and standard deviation (the same float32 arithmetic, (x - mean) / std, that Standardiser.apply does
     * on a float32 network), and reused input buffer and views.
     */
    private static final class Replica {
        final TrainedModel model;
        final float[] mean;
        final float[] std;
        final ReusedArray input = new ReusedArray();
        final NioView inputView = new NioView();
        final NioView outputView = new NioView();
        final SparseRowForward sparseRows;
        final float[] firstLayerValues;
        /** One row being standardised (the input width). */
        final float[] row;
        final ReusedArray firstLayerOutput = new ReusedArray();
        final NioView firstLayerView = new NioView();

        Replica(TrainedModel model, SparseRowForward sparseRows) {
            this.model = model;
            this.sparseRows = sparseRows;
            this.firstLayerValues = sparseRows == null ? null : new float[sparseRows.outputWidth()];
            Standardiser standardiser = model.standardiser();
            this.mean = standardiser == null ? null : standardiser.meanFloat32();
            this.std = standardiser == null ? null : standardiser.stdFloat32();
            this.row = new float[model.network().definition().inputWidth()];
        }

        float[] predict(float[] features, int rows) {
            Network network = model.network();
            int width = network.definition().inputWidth();
            if (network.dataType() != DataType.FLOAT) {
                float[] values = features.length == rows * width ? features : Arrays.copyOf(features, rows * width);
                INDArray outputs = model.predict(Nd4j.create(values, new long[] {rows, width}, 'c'));
                return outputs.castTo(DataType.FLOAT).data().asFloat();
            }
            if (rows == 1 && sparseRows != null && sparseRows.firstLayer(features, firstLayerValues)) {
                INDArray h = firstLayerOutput.get(DataType.FLOAT, 1, firstLayerValues.length);
                firstLayerView.floats(h).put(0, firstLayerValues, 0, firstLayerValues.length);
                return copyOut(network.forwardFrom(1, h));
            }
            INDArray x = input.get(DataType.FLOAT, rows, width);
            FloatBuffer in = inputView.floats(x);
            if (mean == null) {
                in.put(0, features, 0, rows * width);
            } else {
                for (int r = 0; r < rows; r++) {
                    // a row at a time through an array of its own: Java 17's JIT vectorises the loop only when
                    // every array is indexed alike (95 -> 30 us for 128 MNIST rows)
                    System.arraycopy(features, r * width, row, 0, width);
                    standardise(row);
                    in.put(r * width, row, 0, width);
                }
            }
            return copyOut(network.forward(x));
        }

        private void standardise(float[] row) {
            for (int c = 0; c < row.length; c++) {
                row[c] = (row[c] - mean[c]) / std[c];
            }
        }

        private float[] copyOut(INDArray output) {
            float[] out = new float[(int) output.length()];
            outputView.floats(output).get(0, out, 0, out.length);
            return out;
        }
    }
}
