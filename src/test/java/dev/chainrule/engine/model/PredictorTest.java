package dev.chainrule.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import dev.chainrule.engine.loss.LossKind;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The predictor's outputs against the network written out independently: the float32 standardisation
 * (x - mean) / std, then per layer z = h W + b and the activation, summed and applied in float64 from the same weights.
 * A float32 evaluation may differ from it by its rounding only: within 2^-24 x (terms + 2) x the sum of the terms'
 * sizes per layer, bounded here by 1e-5 of that sum (as SparseRowForwardTest), carried through every layer.
 */
class PredictorTest {
    private static final int WIDTH = 784;
    private static float[] digits;
    private static INDArray train;

    @BeforeAll
    static void readMnist() throws IOException {
        train = MnistIdxReader.readImages(TestDatasets.file("mnist/train-images-idx3-ubyte.gz"), DataType.FLOAT)
                .get(NDArrayIndex.interval(0, 2000)).dup();
        digits = MnistIdxReader.readImages(TestDatasets.file("mnist/t10k-images-idx3-ubyte.gz"), DataType.FLOAT)
                .get(NDArrayIndex.interval(0, 200)).dup().data().asFloat();
    }

    private static Network network(NetworkDefinition definition, DataType type, long seed) {
        Network network = Network.create(definition, type, LossKind.DEFAULT_EPSILON);
        network.initialise(seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (FullyConnectedLayer layer : network.denseLayers()) { // nonzero biases, so a missing bias shows
            double[] bias = random.doubles(layer.outputWidth(), -0.5, 0.5).toArray();
            layer.bias().assign(Nd4j.createFromArray(bias).reshape(1, bias.length).castTo(type));
        }
        return network;
    }

    private static TrainedModel mnistModel(Activation hidden, Activation output) {
        NetworkDefinition definition = new NetworkDefinition(WIDTH, List.of(new LayerSpec(256, Activation.RELU),
                new LayerSpec(128, hidden), new LayerSpec(10, output)), LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        return new TrainedModel(network(definition, DataType.FLOAT, 7), Standardiser.fit(train));
    }

    /** The outputs and the size of their rounding error, computed in float64 from the model's own arrays. */
    private static double[][] reference(TrainedModel model, float[] raw, int rows) {
        int width = model.network().definition().inputWidth();
        double[][] h = new double[rows][width];
        double[][] scale = new double[rows][width];
        float[] mean = model.standardiser() == null ? null : model.standardiser().meanFloat32();
        float[] std = model.standardiser() == null ? null : model.standardiser().stdFloat32();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                float x = raw[r * width + c];
                // a float32 network standardises in float32, a float64 one in float64
                h[r][c] = mean == null ? x : model.network().dataType() == DataType.FLOAT ? (x - mean[c]) / std[c]
                        : (x - model.standardiser().mean().getDouble(0, c)) / model.standardiser().std().getDouble(0, c);
                scale[r][c] = Math.abs(h[r][c]);
            }
        }
        List<LayerSpec> specs = model.network().definition().layers();
        for (int l = 0; l < specs.size(); l++) {
            FullyConnectedLayer layer = model.network().denseLayers().get(l);
            double[] w = layer.weights().castTo(DataType.DOUBLE).data().asDouble();
            double[] b = layer.bias().castTo(DataType.DOUBLE).data().asDouble();
            int k = layer.outputWidth();
            double[][] z = new double[rows][k];
            double[][] zScale = new double[rows][k];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < k; j++) {
                    double sum = b[j];
                    double size = Math.abs(b[j]);
                    for (int i = 0; i < h[r].length; i++) {
                        sum += h[r][i] * w[i * k + j];
                        size += scale[r][i] * Math.abs(w[i * k + j]);
                    }
                    z[r][j] = sum;
                    zScale[r][j] = size;
                }
                activate(specs.get(l).activation(), z[r], zScale[r]);
            }
            h = z;
            scale = zScale;
        }
        double[] out = Arrays.stream(h).flatMapToDouble(Arrays::stream).toArray();
        double[] bound = Arrays.stream(scale).flatMapToDouble(Arrays::stream).map(s -> 1e-5 * s + 1e-7).toArray();
        return new double[][] {out, bound};
    }

    /** g(z) in place; the error bound goes through g's slope (at most 1 for all of these; softmax's outputs are <= 1). */
    private static void activate(Activation activation, double[] z, double[] scale) {
        switch (activation) {
            case RELU -> {
                for (int j = 0; j < z.length; j++) {
                    z[j] = Math.max(z[j], 0);
                }
            }
            case TANH -> {
                for (int j = 0; j < z.length; j++) {
                    z[j] = Math.tanh(z[j]);
                }
            }
            case LOGISTIC -> {
                for (int j = 0; j < z.length; j++) {
                    z[j] = 1 / (1 + Math.exp(-z[j]));
                }
            }
            case SOFTMAX -> {
                double max = Arrays.stream(z).max().orElseThrow();
                double sum = 0;
                for (int j = 0; j < z.length; j++) {
                    z[j] = Math.exp(z[j] - max);
                    sum += z[j];
                }
                double worst = Arrays.stream(scale).max().orElseThrow();
                for (int j = 0; j < z.length; j++) {
                    z[j] /= sum;
                    scale[j] = 2 * worst; // a shift d in the logits moves each probability by at most 2 d
                }
            }
            case LINEAR -> {
            }
            default -> throw new IllegalArgumentException(activation.name());
        }
    }

    private static void assertMatches(float[] predicted, double[][] reference, String what) {
        assertThat(predicted).as(what).hasSize(reference[0].length);
        for (int i = 0; i < predicted.length; i++) {
            assertThat(Math.abs(predicted[i] - reference[0][i])).as("%s, output %d: %s against %s", what, i, predicted[i],
                    reference[0][i]).isLessThanOrEqualTo(reference[1][i]);
        }
    }

    @Test
    void aBatchSpreadOverThreadsGivesTheSameBitsAsOnOne() {
        int total = ComputeThreads.totalThreads();
        try {
            ComputeThreads.configure(1, 4);
            TrainedModel model = mnistModel(Activation.RELU, Activation.SOFTMAX);
            Predictor predictor = Predictor.of(model);
            ComputeThreads.useShare(1);
            float[] alone = predictor.predict(digits, 128);
            ComputeThreads.useShare(4); // four blocks of 32 rows, each through the whole network on its own thread
            float[] spread = predictor.predict(digits, 128);
            assertThat(spread).containsExactly(alone);
            assertMatches(spread, reference(model, Arrays.copyOf(digits, 128 * WIDTH), 128), "128 digits on 4 threads");

            float[] dense = Arrays.copyOf(digits, 128 * WIDTH); // no zeros left: the dense path, standardisation first
            for (int i = 0; i < dense.length; i++) {
                dense[i] = 0.25f + 0.5f * dense[i];
            }
            ComputeThreads.useShare(1);
            float[] denseAlone = predictor.predict(dense, 128);
            ComputeThreads.useShare(4);
            float[] denseSpread = predictor.predict(dense, 128);
            assertThat(denseSpread).containsExactly(denseAlone);
            assertMatches(denseSpread, reference(model, dense, 128), "128 dense rows on 4 threads");
            assertThat(predictor.predict(dense, 100)).as("blocks of 33, 33 and 34 rows")
                    .containsExactly(Arrays.copyOf(denseAlone, 100 * 10));
        } finally {
            ComputeThreads.useShare(1);
            ComputeThreads.configure(1, total);
        }
    }

    @Test
    void aPredictionComputingIsCountedForTheJobsSharesUntilItEnds() throws InterruptedException {
        Predictor predictor = Predictor.of(mnistModel(Activation.RELU, Activation.SOFTMAX));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread requests = new Thread(() -> {
            while (!stop.get()) {
                predictor.predict(digits, 128);
            }
        });
        int before = ComputeThreads.predictionsRunning();
        requests.start();
        int seen = 0;
        long until = System.nanoTime() + 10_000_000_000L;
        while (seen == 0 && System.nanoTime() < until) {
            seen = ComputeThreads.predictionsRunning() - before;
        }
        stop.set(true);
        requests.join(10_000);
        assertThat(seen).as("counted while computing").isEqualTo(1);
        assertThat(ComputeThreads.predictionsRunning()).as("and no longer once done").isEqualTo(before);
    }

    @Test
    void aBatchOfDigitsIsTheStandardisedNetworkComputedIndependently() {
        int total = ComputeThreads.totalThreads();
        try {
            // a batch of digits (18% nonzero) takes the sparse first layer: on one thread, or in four blocks of rows
            for (int threads : new int[] {1, 4}) {
                ComputeThreads.configure(1, threads);
                ComputeThreads.useShare(threads);
                for (Activation hidden : List.of(Activation.RELU, Activation.TANH, Activation.LOGISTIC)) {
                    TrainedModel model = mnistModel(hidden, Activation.SOFTMAX);
                    Predictor predictor = Predictor.of(model);
                    assertThat(SparseRowForward.of(model).pays(digits, 128)).isTrue();
                    for (int rows : new int[] {128, 7, 128}) { // the buffers change shape and back
                        float[] raw = Arrays.copyOf(digits, rows * WIDTH);
                        float[] before = raw.clone();
                        assertMatches(predictor.predict(raw, rows), reference(model, raw, rows),
                                hidden + ", " + rows + " rows, threads " + threads);
                        assertThat(raw).as("the caller's rows are left as they were").isEqualTo(before);
                    }
                }
            }
        } finally {
            ComputeThreads.useShare(1);
            ComputeThreads.configure(1, total);
        }
    }

    @Test
    void aLoneDigitTakesTheSparseFirstLayerAndGivesTheSameNumbers() {
        TrainedModel model = mnistModel(Activation.RELU, Activation.SOFTMAX);
        Predictor predictor = Predictor.of(model);
        SparseRowForward sparse = SparseRowForward.of(model);
        for (int r = 0; r < 40; r++) {
            float[] raw = Arrays.copyOfRange(digits, r * WIDTH, (r + 1) * WIDTH);
            assertThat(sparse.firstLayer(raw, new float[256])).as("digit %d is mostly background", r).isTrue();
            assertMatches(predictor.predict(raw, 1), reference(model, raw, 1), "digit " + r + " alone");
        }
        // a lone dense row (no zeros) takes the dense product
        float[] dense = new float[WIDTH];
        for (int c = 0; c < WIDTH; c++) {
            dense[c] = (c % 255 + 1) / 255f;
        }
        assertThat(sparse.firstLayer(dense, new float[256])).isFalse();
        assertMatches(predictor.predict(dense, 1), reference(model, dense, 1), "a dense row alone");
    }

    @Test
    void rowsLongerThanAskedAreReadOnlyAsFarAsTheRowsGo() {
        TrainedModel model = mnistModel(Activation.RELU, Activation.SOFTMAX);
        Predictor predictor = Predictor.of(model);
        float[] three = Arrays.copyOf(digits, 3 * WIDTH);
        assertThat(predictor.predict(digits, 3)).isEqualTo(predictor.predict(three, 3));
        assertThatThrownBy(() -> predictor.predict(new float[WIDTH], 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 rows of 784 inputs need 1568 values, got 784");
    }

    @Test
    void regressionAndBinaryOutputsWithoutStandardisationAndInFloat64() {
        SplittableRandom random = new SplittableRandom(5);
        int width = 13;
        int rows = 37;
        float[] raw = new float[rows * width];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (float) random.nextGaussian() * 3 + 1;
        }
        INDArray fit = Nd4j.create(raw, new long[] {rows, width}, 'c');
        for (Activation output : List.of(Activation.LINEAR, Activation.LOGISTIC)) {
            NetworkDefinition definition = new NetworkDefinition(width, List.of(new LayerSpec(40, Activation.TANH),
                    new LayerSpec(output == Activation.LINEAR ? 3 : 1, output)),
                    output == Activation.LINEAR ? LossKind.SQUARED_ERROR : LossKind.LOG_LOSS,
                    WeightInitialiser.XAVIER);
            for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
                for (Standardiser standardiser : Arrays.asList(null, Standardiser.fit(fit))) {
                    TrainedModel model = new TrainedModel(network(definition, type, 9), standardiser);
                    Predictor predictor = Predictor.of(model);
                    String what = output + " " + type + (standardiser == null ? "" : " standardised");
                    assertMatches(predictor.predict(raw, rows), reference(model, raw, rows), what);
                    float[] one = Arrays.copyOf(raw, width);
                    assertMatches(predictor.predict(one, 1), reference(model, one, 1), what + ", one row");
                }
            }
        }
    }

    @Test
    void siblingsReadTheSameWeightsWithBuffersOfTheirOwn() {
        TrainedModel model = mnistModel(Activation.RELU, Activation.SOFTMAX);
        Predictor first = Predictor.of(model);
        Predictor sibling = first.sibling();
        float[] a = Arrays.copyOf(digits, 128 * WIDTH);
        float[] b = Arrays.copyOfRange(digits, 64 * WIDTH, 200 * WIDTH);
        float[] fromFirst = first.predict(a, 128);
        assertThat(sibling.predict(a, 128)).isEqualTo(fromFirst);
        float[] fromSibling = sibling.predict(b, 136);
        assertThat(first.predict(a, 128)).as("the sibling's pass left the first's buffers alone").isEqualTo(fromFirst);
        assertMatches(fromSibling, reference(model, b, 136), "the sibling's own batch");
        // changing the version's weights changes both: they read the same arrays, not copies
        model.network().denseLayers().get(2).bias().addi(1);
        assertThat(first.predict(a, 128)).isNotEqualTo(fromFirst);
        assertThat(sibling.predict(a, 128)).isEqualTo(first.predict(a, 128));
        assertThat(first.task()).isEqualTo(Task.CLASSIFICATION);
        assertThat(first.inputWidth()).isEqualTo(WIDTH);
        assertThat(first.outputWidth()).isEqualTo(10);
    }
}
