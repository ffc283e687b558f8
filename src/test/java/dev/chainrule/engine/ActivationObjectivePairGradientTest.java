package dev.chainrule.engine;

import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sensible output activation + objective pair, as a one-layer network (fully connected, activation,
 * objective) in float64: dJ/dW, dJ/db and the per-row dJ/dx against central differences.
 *
 * <p>Softmax + cross-entropy runs both ways. Fused (seed 004's -(y - y-hat)) is the exact derivative only for
 * eps = 0, so it is checked with eps = 0; chained (cross-entropy's gradient through the softmax Jacobian) is
 * the exact derivative of the reported value for any eps, so it is checked with eps = 0 and the default 1e-7.
 */
class ActivationObjectivePairGradientTest {
    private static final int T = 5;
    private static final int D = 4;

    static Stream<Arguments> pairs() {
        return Stream.of(
                Arguments.of("linear + squared error", Activation.LINEAR, LossKind.SQUARED_ERROR, 3, LossKind.DEFAULT_EPSILON, true),
                Arguments.of("logistic + squared error", Activation.LOGISTIC, LossKind.SQUARED_ERROR, 3, LossKind.DEFAULT_EPSILON, true),
                Arguments.of("tanh + squared error", Activation.TANH, LossKind.SQUARED_ERROR, 3, LossKind.DEFAULT_EPSILON, true),
                Arguments.of("relu + squared error", Activation.RELU, LossKind.SQUARED_ERROR, 3, LossKind.DEFAULT_EPSILON, true),
                Arguments.of("logistic + log loss, eps 1e-7", Activation.LOGISTIC, LossKind.LOG_LOSS, 2, LossKind.DEFAULT_EPSILON, true),
                Arguments.of("logistic + log loss, eps 0", Activation.LOGISTIC, LossKind.LOG_LOSS, 1, 0.0, true),
                Arguments.of("softmax + cross-entropy fused, eps 0", Activation.SOFTMAX, LossKind.CROSS_ENTROPY, 3, 0.0, true),
                Arguments.of("softmax + cross-entropy chained, eps 0", Activation.SOFTMAX, LossKind.CROSS_ENTROPY, 3, 0.0, false),
                Arguments.of("softmax + cross-entropy chained, eps 1e-7", Activation.SOFTMAX, LossKind.CROSS_ENTROPY, 3, LossKind.DEFAULT_EPSILON, false));
    }

    private static double[][] targets(SplittableRandom random, Activation activation, LossKind loss, int k) {
        return switch (loss) {
            case CROSS_ENTROPY -> TestArrays.oneHot(random, T, k);
            case LOG_LOSS -> {
                double[][] y = new double[T][k];
                for (double[] row : y) {
                    for (int j = 0; j < k; j++) {
                        row[j] = random.nextBoolean() ? 1 : 0;
                    }
                }
                yield y;
            }
            case SQUARED_ERROR -> activation == Activation.LOGISTIC
                    ? TestArrays.uniform(random, T, k, 0, 1)
                    : TestArrays.uniform(random, T, k, -1, 1);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void parameterAndInputGradientsMatchCentralDifferences(String name, Activation activation, LossKind loss, int k,
                                                           double epsilon, boolean fused) {
        SplittableRandom random = new SplittableRandom(61 + name.hashCode());
        Network network = NetworkGradientCheck.network(D, loss, epsilon, 62, new LayerSpec(k, activation));
        network.setFusedSoftmaxCrossEntropy(fused);
        double[][] x = TestArrays.uniform(random, T, D, -1, 1);
        double[][] y = targets(random, activation, loss, k);
        if (activation == Activation.RELU) {
            NetworkGradientCheck.assertReluInputsAwayFromZero(network, x, 1e-3);
        }
        NetworkGradientCheck.checkParameters(name, network, x, y);
        NetworkGradientCheck.checkInputGradient(name, network, x, y);
    }
}
