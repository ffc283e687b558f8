package dev.chainrule.engine.layer;

import static dev.chainrule.engine.TestArrays.dot;
import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.multiply;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.NumericalGradient;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.TestArrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * h = xW + b alone (seed 001, "Gradient: Fully Connected Layer"), with the scalar objective
 * J = sum(h * R) for a fixed random R, so dJ/dh = R and backward(R) must give dJ/dx; the layer's stored
 * gradients must be dJ/dW and dJ/db. All three are checked against central differences.
 */
class FullyConnectedLayerGradientTest {
    private static final int T = 4;
    private static final int D = 5;
    private static final int K = 3;

    private FullyConnectedLayer layer;
    private double[][] x;
    private double[][] w;
    private double[][] b;
    private double[][] r;

    @BeforeEach
    void setUp() {
        SplittableRandom random = new SplittableRandom(11);
        layer = new FullyConnectedLayer("fc", D, K, DataType.DOUBLE);
        x = TestArrays.uniform(random, T, D, -1, 1);
        w = TestArrays.uniform(random, D, K, -1, 1);
        b = TestArrays.uniform(random, 1, K, -1, 1);
        r = TestArrays.uniform(random, T, K, -1, 1);
        layer.weights().assign(nd(w));
        layer.bias().assign(nd(b));
    }

    @Test
    void forwardIsXTimesWPlusB() {
        double[][] h = java(layer.forward(nd(x)));
        double[][] expected = multiply(x, w);
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < K; k++) {
                assertThat(h[t][k]).isCloseTo(expected[t][k] + b[0][k], within(1e-14));
            }
        }
    }

    @Test
    void inputWeightAndBiasGradientsMatchCentralDifferences() {
        INDArray input = nd(x);
        layer.forward(input);
        INDArray dx = layer.backward(nd(r), true);

        NumericalGradient.check("dJ/dx", dx, input, () -> dot(layer.forward(input), r));
        NumericalGradient.check("dJ/dW", layer.weightGradient(), layer.weights(), () -> dot(layer.forward(input), r));
        NumericalGradient.check("dJ/db", layer.biasGradient(), layer.bias(), () -> dot(layer.forward(input), r));
    }

    @Test
    void gradientsHaveTheClosedFormsOfTheLecture() {
        // dJ/dW = x^T R (D x K), dJ/db = 1^T R (1 x K), dJ/dx = R W^T (T x D)
        layer.forward(nd(x));
        double[][] dx = java(layer.backward(nd(r), true));
        assertThat(TestArrays.maxAbsDifference(dx, multiply(r, TestArrays.transpose(w)))).isLessThan(1e-14);
        assertThat(TestArrays.maxAbsDifference(java(layer.weightGradient()), multiply(TestArrays.transpose(x), r)))
                .isLessThan(1e-14);
        double[][] columnSums = new double[1][K];
        for (double[] row : r) {
            for (int k = 0; k < K; k++) {
                columnSums[0][k] += row[k];
            }
        }
        assertThat(TestArrays.maxAbsDifference(java(layer.biasGradient()), columnSums)).isLessThan(1e-14);
    }

    @Test
    void skippingTheInputGradientStillFillsTheParameterGradients() {
        layer.forward(nd(x));
        layer.backward(nd(r), true);
        double[][] dW = java(layer.weightGradient());
        double[][] db = java(layer.biasGradient());

        FullyConnectedLayer other = new FullyConnectedLayer("fc", D, K, DataType.DOUBLE);
        other.weights().assign(nd(w));
        other.bias().assign(nd(b));
        other.forward(nd(x));
        assertThat(other.backward(nd(r), false)).isNull();
        assertThat(java(other.weightGradient())).isEqualTo(dW);
        assertThat(java(other.biasGradient())).isEqualTo(db);
    }

    @Test
    void batchesOfDifferentSizesReuseNoStaleState() {
        // a 4-row batch, then a 2-row batch (the short last batch of an epoch): bias gradient must be the
        // column sum of the new delta, not polluted by the previous buffer of ones or gradients
        layer.forward(nd(x));
        layer.backward(nd(r), true);
        double[][] x2 = {x[0], x[1]};
        double[][] r2 = {r[0], r[1]};
        INDArray input = nd(x2);
        layer.forward(input);
        INDArray dx = layer.backward(nd(r2), true);
        NumericalGradient.check("dJ/dx (2 rows)", dx, input, () -> dot(layer.forward(input), r2));
        NumericalGradient.check("dJ/db (2 rows)", layer.biasGradient(), layer.bias(), () -> dot(layer.forward(input), r2));
        NumericalGradient.check("dJ/dW (2 rows)", layer.weightGradient(), layer.weights(), () -> dot(layer.forward(input), r2));
    }

    @Test
    void parametersAreWeightsThenBiasOnlyWeightsRegularised() {
        List<Parameter> parameters = layer.parameters();
        assertThat(parameters).extracting(Parameter::name).containsExactly("fc.W", "fc.b");
        assertThat(parameters).extracting(Parameter::regularised).containsExactly(true, false);
        assertThat(parameters.get(0).value().shape()).containsExactly(D, K);
        assertThat(parameters.get(1).value().shape()).containsExactly(1, K);
        assertThat(parameters.get(0).gradient().shape()).containsExactly(D, K);
        assertThat(parameters.get(1).gradient().shape()).containsExactly(1, K);
    }
}
