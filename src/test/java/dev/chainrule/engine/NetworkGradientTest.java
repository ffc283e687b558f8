package dev.chainrule.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Whole 3-layer networks in float64: dJ/dtheta for every weight and bias from computeGradients, and the
 * per-row input gradient from inputGradient, against central differences (of the batch's mean objective for
 * parameters, of each row's own objective for inputs).
 */
class NetworkGradientTest {
    private static final int T = 6;

    private static Network classifier(double epsilon) {
        return NetworkGradientCheck.network(5, LossKind.CROSS_ENTROPY, epsilon, 71,
                new LayerSpec(7, Activation.TANH), new LayerSpec(6, Activation.RELU), new LayerSpec(3, Activation.SOFTMAX));
    }

    private static double[][] inputs(long seed, int width) {
        return TestArrays.uniform(new SplittableRandom(seed), T, width, -1.5, 1.5);
    }

    @Test
    void classifier5x7x6x3FusedSoftmaxCrossEntropyZeroEpsilon() {
        // fused is the exact derivative for eps = 0 (see FusedSoftmaxCrossEntropyTest for eps > 0)
        Network network = classifier(0.0);
        double[][] x = inputs(72, 5);
        double[][] y = TestArrays.oneHot(new SplittableRandom(73), T, 3);
        NetworkGradientCheck.assertReluInputsAwayFromZero(network, x, 1e-3);
        NetworkGradientCheck.checkParameters("5-7-6-3 fused", network, x, y);
        NetworkGradientCheck.checkInputGradient("5-7-6-3 fused", network, x, y);
    }

    @Test
    void classifier5x7x6x3ChainedSoftmaxCrossEntropyDefaultEpsilon() {
        Network network = classifier(LossKind.DEFAULT_EPSILON);
        network.setFusedSoftmaxCrossEntropy(false);
        double[][] x = inputs(72, 5);
        double[][] y = TestArrays.oneHot(new SplittableRandom(73), T, 3);
        NetworkGradientCheck.assertReluInputsAwayFromZero(network, x, 1e-3);
        NetworkGradientCheck.checkParameters("5-7-6-3 chained", network, x, y);
        NetworkGradientCheck.checkInputGradient("5-7-6-3 chained", network, x, y);
    }

    @Test
    void classifierWithSoftTargetsChainedZeroEpsilon() {
        Network network = classifier(0.0);
        network.setFusedSoftmaxCrossEntropy(false);
        double[][] x = inputs(74, 5);
        double[][] y = TestArrays.distributions(new SplittableRandom(75), T, 3);
        NetworkGradientCheck.assertReluInputsAwayFromZero(network, x, 1e-3);
        NetworkGradientCheck.checkParameters("5-7-6-3 soft targets", network, x, y);
        NetworkGradientCheck.checkInputGradient("5-7-6-3 soft targets", network, x, y);
    }

    @Test
    void fusedAndChainedGiveTheSameParameterGradientsWithZeroEpsilon() {
        double[][] x = inputs(76, 5);
        double[][] y = TestArrays.oneHot(new SplittableRandom(77), T, 3);
        Network fused = classifier(0.0);
        Network chained = classifier(0.0);
        chained.setFusedSoftmaxCrossEntropy(false);
        double lossFused = fused.computeGradients(TestArrays.nd(x), TestArrays.nd(y));
        double lossChained = chained.computeGradients(TestArrays.nd(x), TestArrays.nd(y));
        assertThat(lossFused).isEqualTo(lossChained);
        for (int i = 0; i < fused.parameters().size(); i++) {
            double[][] a = TestArrays.java(fused.parameters().get(i).gradient());
            double[][] b = TestArrays.java(chained.parameters().get(i).gradient());
            assertThat(TestArrays.maxAbsDifference(a, b)).as(fused.parameters().get(i).name()).isLessThan(1e-12);
        }
    }

    @Test
    void regression4x6x5x2ReluTanhLinearSquaredError() {
        Network network = NetworkGradientCheck.network(4, LossKind.SQUARED_ERROR, LossKind.DEFAULT_EPSILON, 81,
                new LayerSpec(6, Activation.RELU), new LayerSpec(5, Activation.TANH), new LayerSpec(2, Activation.LINEAR));
        double[][] x = inputs(82, 4);
        double[][] y = TestArrays.uniform(new SplittableRandom(83), T, 2, -2, 2);
        NetworkGradientCheck.assertReluInputsAwayFromZero(network, x, 1e-3);
        NetworkGradientCheck.checkParameters("4-6-5-2 regression", network, x, y);
        NetworkGradientCheck.checkInputGradient("4-6-5-2 regression", network, x, y);
    }

    /** Maxout hidden layers (seed 002's max: the gradient only to each unit's winning piece), away from ties. */
    @Test
    void classifier5xMaxout6x3xMaxout4x2xSoftmax3() {
        // eps = 0: the fused softmax + cross-entropy gradient is the exact derivative there
        Network network = NetworkGradientCheck.network(5, LossKind.CROSS_ENTROPY, 0.0, 121,
                LayerSpec.maxout(6, 3), LayerSpec.maxout(4, 2), new LayerSpec(3, Activation.SOFTMAX));
        double[][] x = inputs(122, 5);
        double[][] y = TestArrays.oneHot(new SplittableRandom(123), T, 3);
        NetworkGradientCheck.assertMaxoutAwayFromTies(network, x, 1e-3);
        NetworkGradientCheck.checkParameters("5-maxout6x3-maxout4x2-3", network, x, y);
        NetworkGradientCheck.checkInputGradient("5-maxout6x3-maxout4x2-3", network, x, y);
    }

    /** A maxout output layer under squared error, after a tanh layer. */
    @Test
    void regression4x5TanhMaxoutOutput2x4() {
        Network network = NetworkGradientCheck.network(4, LossKind.SQUARED_ERROR, LossKind.DEFAULT_EPSILON, 131,
                new LayerSpec(5, Activation.TANH), LayerSpec.maxout(2, 4));
        double[][] x = inputs(132, 4);
        double[][] y = TestArrays.uniform(new SplittableRandom(133), T, 2, -2, 2);
        NetworkGradientCheck.assertMaxoutAwayFromTies(network, x, 1e-3);
        NetworkGradientCheck.checkParameters("4-5-maxout2x4 regression", network, x, y);
        NetworkGradientCheck.checkInputGradient("4-5-maxout2x4 regression", network, x, y);
        assertThat(network.definition().parameterCount()).isEqualTo((4 + 1) * 5 + (5 + 1) * 2 * 4);
        assertThat(network.denseLayers().get(1).outputWidth()).isEqualTo(8);
    }

    @Test
    void binary4x5x3x1TanhLogisticLogLoss() {
        Network network = NetworkGradientCheck.network(4, LossKind.LOG_LOSS, LossKind.DEFAULT_EPSILON, 91,
                new LayerSpec(5, Activation.TANH), new LayerSpec(3, Activation.LOGISTIC), new LayerSpec(1, Activation.LOGISTIC));
        double[][] x = inputs(92, 4);
        double[][] y = new double[T][1];
        for (int t = 0; t < T; t++) {
            y[t][0] = t % 2;
        }
        NetworkGradientCheck.checkParameters("4-5-3-1 log loss", network, x, y);
        NetworkGradientCheck.checkInputGradient("4-5-3-1 log loss", network, x, y);
    }

    @Test
    void computeGradientsReturnsTheMeanObjectiveWithoutPenalty() {
        Network network = classifier(LossKind.DEFAULT_EPSILON);
        double[][] x = inputs(93, 5);
        double[][] y = TestArrays.oneHot(new SplittableRandom(94), T, 3);
        double returned = network.computeGradients(TestArrays.nd(x), TestArrays.nd(y));
        double[][] p = TestArrays.java(network.predict(TestArrays.nd(x)));
        double expected = 0;
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < 3; k++) {
                expected -= y[t][k] * Math.log(p[t][k] + LossKind.DEFAULT_EPSILON);
            }
        }
        assertThat(returned).isCloseTo(expected / T, org.assertj.core.data.Offset.offset(1e-14));
    }
}
