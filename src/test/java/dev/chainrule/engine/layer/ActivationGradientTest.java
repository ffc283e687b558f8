package dev.chainrule.engine.layer;

import static dev.chainrule.engine.TestArrays.dot;
import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.Layer;
import dev.chainrule.engine.NumericalGradient;
import dev.chainrule.engine.TestArrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Each activation alone: its forward pass against the formula in plain Java, and its input gradient with the
 * scalar objective J = sum(g(z) * R), so backward(R) must equal dJ/dz by central differences. Inputs are kept
 * at least 0.1 away from 0 so that ReLU's kink is never inside a difference step.
 */
class ActivationGradientTest {
    private static final int T = 4;
    private static final int K = 5;

    private static double[] reference(Activation activation, double[] z) {
        double[] g = new double[z.length];
        switch (activation) {
            case LINEAR -> System.arraycopy(z, 0, g, 0, z.length);
            case RELU -> {
                for (int i = 0; i < z.length; i++) {
                    g[i] = Math.max(0, z[i]);
                }
            }
            case LOGISTIC -> {
                for (int i = 0; i < z.length; i++) {
                    g[i] = 1 / (1 + Math.exp(-z[i]));
                }
            }
            case TANH -> {
                for (int i = 0; i < z.length; i++) {
                    g[i] = Math.tanh(z[i]);
                }
            }
            case SOFTMAX -> {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : z) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int i = 0; i < z.length; i++) {
                    g[i] = Math.exp(z[i] - max);
                    sum += g[i];
                }
                for (int i = 0; i < z.length; i++) {
                    g[i] /= sum;
                }
            }
        }
        return g;
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, mode = EnumSource.Mode.EXCLUDE, names = "MAXOUT") // MaxoutLayerTest: it takes pieces
    void forwardMatchesTheFormula(Activation activation) {
        double[][] z = TestArrays.awayFromZero(new SplittableRandom(21), T, K, 0.1, 3);
        double[][] h = java(activation.newLayer().forward(nd(z)));
        for (int t = 0; t < T; t++) {
            double[] expected = reference(activation, z[t]);
            for (int k = 0; k < K; k++) {
                assertThat(Math.abs(h[t][k] - expected[k]))
                        .as("%s(%s)", activation, z[t][k])
                        .isLessThanOrEqualTo(1e-15 * Math.max(1, Math.abs(expected[k])) * 4);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, mode = EnumSource.Mode.EXCLUDE, names = "MAXOUT") // MaxoutLayerTest: it takes pieces
    void inputGradientMatchesCentralDifferences(Activation activation) {
        SplittableRandom random = new SplittableRandom(22 + activation.ordinal());
        double[][] zValues = TestArrays.awayFromZero(random, T, K, 0.1, 2);
        double[][] r = TestArrays.uniform(random, T, K, -1, 1);
        Layer layer = activation.newLayer();
        INDArray z = nd(zValues);
        layer.forward(z);
        INDArray dz = layer.backward(nd(r), true);
        NumericalGradient.check(activation + " dJ/dz", dz, z, () -> dot(layer.forward(z), r));
    }

    /**
     * In saturation, where g'(z) is 1e-2 or less, the lecture's "+ epsilon" on the logistic and tanh derivatives
     * (1e-7) would be a relative error above 1e-6 and fail this check; at moderate z (g' ~ 0.2) it would hide
     * below the tolerance. One row of three, |R| >= 0.5, so J = sum(g R) stays below 3 and its rounding
     * (~4e-16 / 2e-6 ~ 2e-10 in the difference quotient) is under 1e-7 of every gradient element.
     */
    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"LOGISTIC", "TANH"})
    void inputGradientHasNoEpsilonTermInSaturation(Activation activation) {
        SplittableRandom random = new SplittableRandom(27);
        double[][] zValues = activation == Activation.LOGISTIC
                ? TestArrays.awayFromZero(random, 1, 3, 4, 5)      // g' between 0.0066 and 0.018
                : TestArrays.awayFromZero(random, 1, 3, 2.5, 3);   // g' between 0.0099 and 0.027
        double[][] r = TestArrays.awayFromZero(random, 1, 3, 0.5, 1);
        Layer layer = activation.newLayer();
        INDArray z = nd(zValues);
        layer.forward(z);
        INDArray dz = layer.backward(nd(r), true);
        NumericalGradient.check(activation + " dJ/dz in saturation", dz, z, () -> dot(layer.forward(z), r));
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, mode = EnumSource.Mode.EXCLUDE, names = "MAXOUT") // MaxoutLayerTest: it takes pieces
    void noInputGradientWhenNotAsked(Activation activation) {
        Layer layer = activation.newLayer();
        layer.forward(nd(TestArrays.uniform(new SplittableRandom(3), 2, 3, 0.1, 1)));
        assertThat(layer.backward(nd(new double[2][3]), false)).isNull();
        assertThat(layer.parameters()).isEmpty();
        assertThat(layer.outputWidth(7)).isEqualTo(7);
    }
}
