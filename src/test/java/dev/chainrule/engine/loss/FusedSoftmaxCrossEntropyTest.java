package dev.chainrule.engine.loss;

import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.TestArrays;
import dev.chainrule.engine.layer.SoftmaxActivation;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CrossEntropyLoss.fusedSoftmaxGradient (seed 004: dJ/dz = -(y - y-hat) / T) against the chained gradient,
 * cross-entropy's dJ/dy-hat = -y / (y-hat + eps) / T pushed through SoftmaxActivation.backward.
 *
 * <p>The O(eps) bound. Write g for the softmax output of one row, r_j = g_j / (g_j + eps) and T for the batch
 * size. The chained gradient is dJ/dz_i = (1/T) g_i (d_i - sum_j d_j g_j) with d_j = -y_j / (g_j + eps), i.e.
 * (1/T)(-y_i r_i + g_i sum_j y_j r_j). With sum_j y_j = 1, the fused one is (1/T)(g_i - y_i). Since
 * 1 - r_j = eps / (g_j + eps), chained - fused = (eps / T) (y_i / (g_i + eps) - g_i sum_j y_j / (g_j + eps)),
 * so |chained - fused| <= (eps / T) (y_i / (g_i + eps) + g_i sum_j y_j / (g_j + eps)) <= 2 eps / (T min_j g_j).
 * For a one-hot y with true class l it is exactly (eps / T) ((i == l) - g_i) / (g_l + eps).
 */
class FusedSoftmaxCrossEntropyTest {
    private static final int T = 5;
    private static final int K = 4;

    private static double[][] chained(double[][] z, double[][] y, double epsilon) {
        SoftmaxActivation softmax = new SoftmaxActivation();
        INDArray g = softmax.forward(nd(z));
        INDArray dYHat = new CrossEntropyLoss(epsilon).gradient(g, nd(y));
        return java(softmax.backward(dYHat, true));
    }

    private static double[][] fused(double[][] z, double[][] y, double epsilon) {
        SoftmaxActivation softmax = new SoftmaxActivation();
        INDArray g = softmax.forward(nd(z));
        return java(new CrossEntropyLoss(epsilon).fusedSoftmaxGradient(g, nd(y)));
    }

    private static double[][] softmax(double[][] z) {
        return java(new SoftmaxActivation().forward(nd(z)));
    }

    @Test
    void fusedIsYHatMinusYOverT() {
        SplittableRandom random = new SplittableRandom(51);
        double[][] z = TestArrays.uniform(random, T, K, -2, 2);
        double[][] y = TestArrays.oneHot(random, T, K);
        double[][] g = softmax(z);
        double[][] f = fused(z, y, 1e-7);
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < K; k++) {
                assertThat(f[t][k]).isEqualTo((g[t][k] - y[t][k]) / T, org.assertj.core.data.Offset.offset(1e-16));
            }
        }
    }

    @Test
    void withZeroEpsilonFusedEqualsChainedToRoundOff() {
        SplittableRandom random = new SplittableRandom(52);
        double[][] z = TestArrays.uniform(random, T, K, -2, 2);
        double[][] oneHot = TestArrays.oneHot(random, T, K);
        double[][] soft = TestArrays.distributions(random, T, K);
        assertThat(TestArrays.maxAbsDifference(chained(z, oneHot, 0), fused(z, oneHot, 0))).isLessThan(1e-12);
        assertThat(TestArrays.maxAbsDifference(chained(z, soft, 0), fused(z, soft, 0))).isLessThan(1e-12);
    }

    @Test
    void withDefaultEpsilonOneHotDifferenceIsExactlyTheOrderEpsilonTerm() {
        double epsilon = LossKind.DEFAULT_EPSILON;
        SplittableRandom random = new SplittableRandom(53);
        double[][] z = TestArrays.uniform(random, T, K, -2, 2);
        double[][] y = TestArrays.oneHot(random, T, K);
        double[][] g = softmax(z);
        double[][] c = chained(z, y, epsilon);
        double[][] f = fused(z, y, epsilon);
        double largest = 0;
        for (int t = 0; t < T; t++) {
            int label = 0;
            while (y[t][label] == 0) {
                label++;
            }
            for (int i = 0; i < K; i++) {
                double predicted = epsilon / T * ((i == label ? 1 : 0) - g[t][i]) / (g[t][label] + epsilon);
                double difference = c[t][i] - f[t][i];
                // the gradients themselves are O(1/T) = 0.2, so round-off in either is ~1e-16
                assertThat(Math.abs(difference - predicted)).as("row %d, class %d", t, i).isLessThan(1e-15);
                assertThat(Math.abs(difference)).isLessThanOrEqualTo(2 * epsilon / (T * g[t][label]));
                largest = Math.max(largest, Math.abs(difference));
            }
        }
        // the difference is real (not hidden by round-off) and of the size the bound says
        assertThat(largest).isGreaterThan(1e-9).isLessThan(1e-6);
    }

    @Test
    void withDefaultEpsilonSoftTargetDifferenceIsWithinTheOrderEpsilonBound() {
        double epsilon = LossKind.DEFAULT_EPSILON;
        SplittableRandom random = new SplittableRandom(54);
        double[][] z = TestArrays.uniform(random, T, K, -2, 2);
        double[][] y = TestArrays.distributions(random, T, K);
        double[][] g = softmax(z);
        double[][] c = chained(z, y, epsilon);
        double[][] f = fused(z, y, epsilon);
        for (int t = 0; t < T; t++) {
            double weighted = 0;
            double minG = 1;
            for (int j = 0; j < K; j++) {
                weighted += y[t][j] / (g[t][j] + epsilon);
                minG = Math.min(minG, g[t][j]);
            }
            for (int i = 0; i < K; i++) {
                double bound = epsilon / T * (y[t][i] / (g[t][i] + epsilon) + g[t][i] * weighted);
                double difference = Math.abs(c[t][i] - f[t][i]);
                assertThat(difference).as("row %d, class %d", t, i).isLessThanOrEqualTo(bound + 1e-15);
                assertThat(bound).isLessThanOrEqualTo(2 * epsilon / (T * minG));
            }
        }
    }
}
