package dev.chainrule.bench.micro;

import dev.chainrule.api.prediction.PredictRequestJson;
import dev.chainrule.api.rows.InstanceRows;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.Predictor;
import dev.chainrule.engine.model.TrainedModel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One POST /models/{id}/predict without HTTP, with the service's own classes, on the HTTP benchmark's bodies (1 or
 * 128 MNIST digits) and the benchmark's MLP: {@code predict} is the compute, the engine's Predictor that
 * PredictionService pools (float32 standardisation or the sparse first layer, the layers, one copy out);
 * {@code forward} is Network.forward alone on the rows standardised beforehand (what the path wraps; a reference);
 * {@code wholePath} reads the body (PredictRequestJson), predicts, makes the response and writes it with Jackson.
 * The JSON steps alone: {@link PredictJsonMicro}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PredictPathMicro {
    @Param({"1", "128"})
    public int rows;

    @Param({"1", "2"})
    public int blasThreads;

    private byte[] body;
    private float[] features;
    private Predictor predictor;
    private Network network;
    private INDArray standardised;

    @Setup
    public void setUp() {
        MicroSettings.threads(blasThreads);
        body = PredictRequests.body(rows);
        InstanceRows request = PredictRequestJson.read(body).instances();
        features = Arrays.copyOf(request.values(), request.count());
        TrainedModel model = PredictRequests.model();
        predictor = Predictor.of(model);
        network = model.network();
        INDArray raw = Nd4j.create(features, new long[] {rows, PredictRequests.WIDTH}, 'c');
        standardised = model.standardise(raw);
        // the Predictor gives TrainedModel.predict's numbers before anything is timed (a lone digit takes the
        // sparse first layer, which sums in another order)
        float[] expected = model.predict(raw).data().asFloat();
        float[] computed = predict();
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(computed[i] - expected[i]) <= 1e-5 * Math.abs(expected[i]) + 1e-9)) {
                throw new IllegalStateException("Predictor.predict differs from TrainedModel.predict at " + i + ": "
                        + computed[i] + " against " + expected[i]);
            }
        }
    }

    @Benchmark
    public float[] predict() {
        return predictor.predict(features, rows);
    }

    @Benchmark
    public INDArray forward() {
        return network.forward(standardised);
    }

    @Benchmark
    public byte[] wholePath() {
        InstanceRows in = PredictRequestJson.read(body).instances();
        float[] outputs = predictor.predict(in.values(), in.rows());
        return PredictRequests.JSON.writeValueAsBytes(PredictRequests.response(outputs, in.rows()));
    }
}
