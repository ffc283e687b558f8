package dev.chainrule.engine.loss;

import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.NumericalGradient;
import dev.chainrule.engine.TestArrays;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The objectives of seed 001 w.r.t. y-hat: each value against the formula in plain Java (mean over the T rows
 * of the per-row sum over outputs), and each gradient against central differences of that value, for
 * epsilon = 0 and the default 1e-7.
 */
class LossGradientTest {
    private static final int T = 4;

    /** Mean over rows of the per-row sum of term(y, y-hat). */
    private static double mean(double[][] y, double[][] yHat, BiFunction<Double, Double, Double> term) {
        double total = 0;
        for (int t = 0; t < y.length; t++) {
            for (int k = 0; k < y[t].length; k++) {
                total += term.apply(y[t][k], yHat[t][k]);
            }
        }
        return total / y.length;
    }

    private static void checkGradient(String what, Loss loss, double[][] y, double[][] yHatValues) {
        INDArray yHat = nd(yHatValues);
        INDArray target = nd(y);
        INDArray gradient = loss.gradient(yHat, target);
        assertThat(gradient.shape()).isEqualTo(yHat.shape());
        NumericalGradient.check(what, gradient, yHat, () -> loss.value(yHat, target));
    }

    @Test
    void defaultEpsilonIsTheLecturesTenToTheMinusSeven() {
        assertThat(LossKind.DEFAULT_EPSILON).isEqualTo(1e-7);
        assertThat(((LogLoss) LossKind.LOG_LOSS.create()).epsilon()).isEqualTo(1e-7);
        assertThat(((CrossEntropyLoss) LossKind.CROSS_ENTROPY.create()).epsilon()).isEqualTo(1e-7);
    }

    @Test
    void squaredError() {
        SplittableRandom random = new SplittableRandom(41);
        double[][] y = TestArrays.uniform(random, T, 3, -2, 2);
        double[][] yHat = TestArrays.uniform(random, T, 3, -2, 2);
        Loss loss = new SquaredErrorLoss();
        double expected = mean(y, yHat, (a, b) -> (a - b) * (a - b));
        assertThat(loss.value(nd(yHat), nd(y))).isCloseTo(expected, within(1e-14));
        checkGradient("squared error", loss, y, yHat);
        // closed form -2 (y - y-hat) / T
        double[][] g = java(loss.gradient(nd(yHat), nd(y)));
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < 3; k++) {
                assertThat(g[t][k]).isCloseTo(-2 * (y[t][k] - yHat[t][k]) / T, within(1e-15));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, LossKind.DEFAULT_EPSILON})
    void logLossWithBinaryTargets(double epsilon) {
        SplittableRandom random = new SplittableRandom(42);
        double[][] y = new double[T][2];
        for (double[] row : y) {
            row[0] = random.nextBoolean() ? 1 : 0;
            row[1] = random.nextBoolean() ? 1 : 0;
        }
        double[][] yHat = TestArrays.uniform(random, T, 2, 0.05, 0.95);
        Loss loss = new LogLoss(epsilon);
        double expected = mean(y, yHat,
                (a, b) -> -(a * Math.log(b + epsilon) + (1 - a) * Math.log(1 - b + epsilon)));
        assertThat(loss.value(nd(yHat), nd(y))).isCloseTo(expected, within(1e-14));
        checkGradient("log loss, eps " + epsilon, loss, y, yHat);
        if (epsilon == 0) {
            // the lecture's form -(y - y-hat) / (y-hat (1 - y-hat)), per row, over T
            double[][] g = java(loss.gradient(nd(yHat), nd(y)));
            for (int t = 0; t < T; t++) {
                for (int k = 0; k < 2; k++) {
                    double lecture = -(y[t][k] - yHat[t][k]) / (yHat[t][k] * (1 - yHat[t][k])) / T;
                    assertThat(g[t][k]).isCloseTo(lecture, within(1e-13 * Math.abs(lecture)));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, LossKind.DEFAULT_EPSILON})
    void logLossWithSoftTargets(double epsilon) {
        SplittableRandom random = new SplittableRandom(43);
        double[][] y = TestArrays.uniform(random, T, 1, 0, 1);
        double[][] yHat = TestArrays.uniform(random, T, 1, 0.05, 0.95);
        Loss loss = new LogLoss(epsilon);
        double expected = mean(y, yHat,
                (a, b) -> -(a * Math.log(b + epsilon) + (1 - a) * Math.log(1 - b + epsilon)));
        assertThat(loss.value(nd(yHat), nd(y))).isCloseTo(expected, within(1e-14));
        checkGradient("log loss (soft targets), eps " + epsilon, loss, y, yHat);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, LossKind.DEFAULT_EPSILON})
    void crossEntropyWithOneHotTargets(double epsilon) {
        SplittableRandom random = new SplittableRandom(44);
        double[][] y = TestArrays.oneHot(random, T, 4);
        double[][] yHat = TestArrays.distributions(random, T, 4);
        Loss loss = new CrossEntropyLoss(epsilon);
        double expected = mean(y, yHat, (a, b) -> -a * Math.log(b + epsilon));
        assertThat(loss.value(nd(yHat), nd(y))).isCloseTo(expected, within(1e-14));
        checkGradient("cross-entropy, eps " + epsilon, loss, y, yHat);
        // closed form -y / (y-hat + eps) / T: exactly zero off the true class
        double[][] g = java(loss.gradient(nd(yHat), nd(y)));
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < 4; k++) {
                assertThat(g[t][k]).isCloseTo(-y[t][k] / (yHat[t][k] + epsilon) / T, within(1e-15));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, LossKind.DEFAULT_EPSILON})
    void crossEntropyWithSoftTargets(double epsilon) {
        SplittableRandom random = new SplittableRandom(45);
        double[][] y = TestArrays.distributions(random, T, 3);
        // the objective is defined for any positive y-hat; perturbing one element leaves the simplex anyway
        double[][] yHat = TestArrays.uniform(random, T, 3, 0.05, 0.95);
        Loss loss = new CrossEntropyLoss(epsilon);
        double expected = mean(y, yHat, (a, b) -> -a * Math.log(b + epsilon));
        assertThat(loss.value(nd(yHat), nd(y))).isCloseTo(expected, within(1e-14));
        checkGradient("cross-entropy (soft targets), eps " + epsilon, loss, y, yHat);
    }

    @Test
    void valueIsTheMeanOfTheRowsOwnValues() {
        SplittableRandom random = new SplittableRandom(46);
        double[][] y = TestArrays.oneHot(random, T, 3);
        double[][] yHat = TestArrays.distributions(random, T, 3);
        for (Loss loss : new Loss[] {new SquaredErrorLoss(), new CrossEntropyLoss(1e-7), new LogLoss(1e-7)}) {
            double sum = 0;
            for (int t = 0; t < T; t++) {
                sum += loss.value(nd(TestArrays.row(yHat, t)), nd(TestArrays.row(y, t)));
            }
            assertThat(loss.value(nd(yHat), nd(y))).as(loss.kind().name()).isCloseTo(sum / T, within(1e-14));
        }
    }

    @Test
    void mismatchedShapesAreRejected() {
        INDArray a = nd(new double[2][3]);
        INDArray b = nd(new double[2][2]);
        for (Loss loss : new Loss[] {new SquaredErrorLoss(), new CrossEntropyLoss(0), new LogLoss(0)}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> loss.value(a, b))
                    .isInstanceOf(IllegalArgumentException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> loss.gradient(a, b))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
