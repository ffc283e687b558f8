package dev.chainrule.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.kernel.NioView;
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
 * SparseRowForward against the first layer's own formula, z W + b on the standardised row, summed in float64 from
 * the same float32 z, W and b: on real MNIST digits (about 80% zero pixels) with a standardiser fitted on MNIST
 * training images and random nonzero biases; and the whole network's outputs against the dense path's.
 */
class SparseRowForwardTest {
    private static final int WIDTH = 784;
    private static INDArray train;
    private static INDArray test;

    @BeforeAll
    static void readMnist() throws IOException {
        train = MnistIdxReader.readImages(TestDatasets.file("mnist/train-images-idx3-ubyte.gz"), DataType.FLOAT)
                .get(NDArrayIndex.interval(0, 2000)).dup();
        test = MnistIdxReader.readImages(TestDatasets.file("mnist/t10k-images-idx3-ubyte.gz"), DataType.FLOAT)
                .get(NDArrayIndex.interval(0, 300)).dup();
    }

    private static TrainedModel model(boolean standardised) {
        NetworkDefinition definition = new NetworkDefinition(WIDTH, List.of(new LayerSpec(256, Activation.RELU),
                new LayerSpec(128, Activation.RELU), new LayerSpec(10, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY,
                WeightInitialiser.XAVIER);
        Network network = Network.initialised(definition, 7);
        SplittableRandom random = new SplittableRandom(11);
        for (FullyConnectedLayer layer : network.denseLayers()) {
            float[] bias = new float[layer.outputWidth()];
            for (int j = 0; j < bias.length; j++) {
                bias[j] = (float) random.nextDouble(-0.5, 0.5);
            }
            layer.bias().assign(Nd4j.create(bias, new long[] {1, bias.length}, 'c'));
        }
        return new TrainedModel(network, standardised ? Standardiser.fit(train) : null);
    }

    private static float[] row(int r) {
        float[] x = new float[WIDTH];
        new NioView().floats(test).get(r * WIDTH, x, 0, WIDTH);
        return x;
    }

    /** The standardised row as the dense path computes it: float32 (x - mean) / std. */
    private static float[] standardised(TrainedModel model, float[] raw) {
        if (model.standardiser() == null) {
            return raw.clone();
        }
        float[] mean = model.standardiser().meanFloat32();
        float[] std = model.standardiser().stdFloat32();
        float[] z = new float[raw.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = (raw[i] - mean[i]) / std[i];
        }
        return z;
    }

    /** z W + b in float64, and the sum of |z_i W_ij| + |b_j| that bounds any float32 evaluation's error. */
    private static double[][] reference(TrainedModel model, float[] z) {
        FullyConnectedLayer first = model.network().denseLayers().get(0);
        float[] w = first.weights().data().asFloat();
        float[] b = first.bias().data().asFloat();
        int out = first.outputWidth();
        double[] exact = new double[out];
        double[] scale = new double[out];
        for (int j = 0; j < out; j++) {
            exact[j] = b[j];
            scale[j] = Math.abs(b[j]);
            for (int i = 0; i < z.length; i++) {
                exact[j] += (double) z[i] * w[i * out + j];
                scale[j] += Math.abs((double) z[i] * w[i * out + j]);
            }
        }
        return new double[][] {exact, scale};
    }

    @Test
    void firstLayerIsTheStandardisedRowTimesWPlusBOnMnistDigits() {
        for (boolean standardised : new boolean[] {true, false}) {
            TrainedModel model = model(standardised);
            SparseRowForward sparse = SparseRowForward.of(model);
            assertThat(sparse).isNotNull();
            FullyConnectedLayer first = model.network().denseLayers().get(0);
            double worstSparse = 0;
            double worstDense = 0;
            for (int r = 0; r < test.rows(); r++) {
                float[] raw = row(r);
                float[] output = new float[sparse.outputWidth()];
                assertThat(sparse.firstLayer(raw, output)).as("digit %d is mostly background", r).isTrue();
                float[] z = standardised(model, raw);
                double[][] reference = reference(model, z);
                float[] dense = first.forward(Nd4j.create(z, new long[] {1, WIDTH}, 'c')).dup().data().asFloat();
                for (int j = 0; j < output.length; j++) {
                    // float32 rounding of a sum of 785 terms: well inside 2^-24 x 785 x the sum of their sizes
                    double bound = 1e-5 * reference[1][j];
                    double sparseError = Math.abs(output[j] - reference[0][j]);
                    assertThat(sparseError).as("row %d output %d", r, j).isLessThanOrEqualTo(bound);
                    worstSparse = Math.max(worstSparse, sparseError / reference[1][j]);
                    worstDense = Math.max(worstDense, Math.abs(dense[j] - reference[0][j]) / reference[1][j]);
                }
            }
            // as accurate as the BLAS's dense product, within a factor of two
            assertThat(worstSparse).as("standardised %s: sparse %g, dense %g", standardised, worstSparse, worstDense)
                    .isLessThanOrEqualTo(2 * worstDense);
        }
    }

    @Test
    void theWholeNetworkFromTheSparseFirstLayerPredictsWhatTheDensePathDoes() {
        TrainedModel model = model(true);
        SparseRowForward sparse = SparseRowForward.of(model);
        Network network = model.network();
        for (int r = 0; r < 50; r++) {
            float[] raw = row(r);
            float[] dense = model.predict(Nd4j.create(raw, new long[] {1, WIDTH}, 'c')).data().asFloat();
            float[] h = new float[sparse.outputWidth()];
            assertThat(sparse.firstLayer(raw, h)).isTrue();
            INDArray after = Nd4j.create(h, new long[] {1, h.length}, 'c');
            for (int k = 1; k < network.layers().size(); k++) { // the layers after the first fully connected one
                after = network.layers().get(k).forward(after);
            }
            float[] fromSparse = after.dup().data().asFloat();
            for (int k = 0; k < dense.length; k++) {
                assertThat((double) fromSparse[k]).as("row %d class %d", r, k)
                        .isCloseTo(dense[k], within(1e-5 * Math.max(1e-3, dense[k])));
            }
            assertThat(argMax(fromSparse)).isEqualTo(argMax(dense));
        }
    }

    @Test
    void aBatchGivesEachRowWhatTheRowAloneGets() {
        for (boolean standardised : new boolean[] {true, false}) {
            TrainedModel model = model(standardised);
            SparseRowForward sparse = SparseRowForward.of(model);
            int rows = 150;
            float[] raw = new float[rows * WIDTH];
            new NioView().floats(test).get(0, raw, 0, raw.length);
            float[] batch = new float[rows * sparse.outputWidth()];
            sparse.firstLayer(raw, rows, batch, sparse.newWork());
            for (int r = 0; r < rows; r++) {
                float[] alone = new float[sparse.outputWidth()];
                assertThat(sparse.firstLayer(row(r), alone)).isTrue();
                // the same terms in the same order: the same numbers, bit for bit
                assertThat(Arrays.copyOfRange(batch, r * alone.length, (r + 1) * alone.length)).as("row %d", r)
                        .isEqualTo(alone);
                double[][] reference = reference(model, standardised(model, row(r)));
                for (int j = 0; j < alone.length; j++) {
                    assertThat(Math.abs(alone[j] - reference[0][j])).isLessThanOrEqualTo(1e-5 * reference[1][j]);
                }
            }
        }
    }

    @Test
    void aBatchPaysWhenAtMostAQuarterOfItsInputsAreNonzero() {
        SparseRowForward sparse = SparseRowForward.of(model(true));
        float[] digits = new float[128 * WIDTH];
        new NioView().floats(test).get(0, digits, 0, digits.length);
        // MNIST digits are about 18% nonzero: under a quarter
        assertThat(sparse.pays(digits, 128)).isTrue();
        assertThat(sparse.pays(leading(WIDTH / 4, 128), 128)).as("exactly a quarter").isTrue();
        assertThat(sparse.pays(leading(WIDTH / 4 + 1, 128), 128)).as("just over a quarter").isFalse();
        float[] dense = new float[128 * WIDTH];
        Arrays.fill(dense, 0.5f);
        assertThat(sparse.pays(dense, 128)).isFalse();
        assertThat(sparse.pays(leading(WIDTH / 2, 1), 1)).as("a lone row: at most half nonzero").isTrue();
        assertThat(sparse.pays(leading(WIDTH / 2 + 1, 1), 1)).isFalse();
        assertThat(sparse.pays(dense, 1)).isFalse();
    }

    /** Rows whose first {@code nonZero} inputs are 0.5 and the rest 0. */
    private static float[] leading(int nonZero, int rows) {
        float[] raw = new float[rows * WIDTH];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(raw, r * WIDTH, r * WIDTH + nonZero, 0.5f);
        }
        return raw;
    }

    @Test
    void anAllZeroRowIsTheLayersAnswerToItsStandardisedZeros() {
        TrainedModel model = model(true);
        SparseRowForward sparse = SparseRowForward.of(model);
        float[] zeros = new float[WIDTH];
        float[] negativeZeros = new float[WIDTH];
        Arrays.fill(negativeZeros, -0f);
        double[][] reference = reference(model, standardised(model, zeros));
        for (float[] raw : List.of(zeros, negativeZeros)) {
            float[] output = new float[sparse.outputWidth()];
            assertThat(sparse.firstLayer(raw, output)).isTrue();
            for (int j = 0; j < output.length; j++) {
                // c W + b is summed in float64 and rounded once: the nearest float32
                assertThat(output[j]).isEqualTo((float) reference[0][j]);
            }
        }
    }

    @Test
    void rowsWithMoreThanHalfTheirInputsNonzeroAreLeftToTheDensePath() {
        SparseRowForward sparse = SparseRowForward.of(model(true));
        float[] raw = new float[WIDTH];
        Arrays.fill(raw, 0, WIDTH / 2 + 1, 0.5f); // one over half
        float[] output = new float[sparse.outputWidth()];
        Arrays.fill(output, 42f);
        assertThat(sparse.firstLayer(raw, output)).isFalse();
        assertThat(output).containsOnly(42f);

        float[] half = new float[WIDTH];
        Arrays.fill(half, WIDTH / 2, WIDTH, 0.5f); // exactly half
        assertThat(sparse.firstLayer(half, output)).isTrue();
    }

    @Test
    void notBuiltForFloat64NetworksOrNarrowInputs() {
        NetworkDefinition wide = new NetworkDefinition(WIDTH, List.of(new LayerSpec(8, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        assertThat(SparseRowForward.of(new TrainedModel(Network.create(wide, DataType.DOUBLE, 1e-7), null))).isNull();
        NetworkDefinition narrow = new NetworkDefinition(SparseRowForward.MIN_INPUT_WIDTH - 1,
                List.of(new LayerSpec(8, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        assertThat(SparseRowForward.of(new TrainedModel(Network.initialised(narrow, 1), null))).isNull();
        assertThat(SparseRowForward.of(new TrainedModel(Network.initialised(wide, 1), null))).isNotNull();
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int k = 1; k < values.length; k++) {
            if (values[k] > values[best]) {
                best = k;
            }
        }
        return best;
    }
}
