package dev.chainrule.engine.layer;

import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.TestArrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SoftmaxActivation.backward applies the Jacobian without building it (g * (delta - delta . g)). Here the
 * K x K Jacobian of seed 001 is built explicitly per row, J_ij = dg_j/dz_i = g_i ((i == j) - g_j), in plain
 * Java doubles from a plain-Java softmax, and delta_row * J is compared with backward's row.
 */
class SoftmaxJacobianTest {

    private static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double[] g = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            g[i] = Math.exp(z[i] - max);
            sum += g[i];
        }
        for (int i = 0; i < z.length; i++) {
            g[i] /= sum;
        }
        return g;
    }

    private static double[][] jacobian(double[] g) {
        int k = g.length;
        double[][] j = new double[k][k];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                j[a][b] = g[a] * ((a == b ? 1 : 0) - g[b]);
            }
        }
        return j;
    }

    /** delta (1 x K) times J (K x K): out_j = sum_i delta_i J_ij. */
    private static double[] rowTimes(double[] delta, double[][] j) {
        double[] out = new double[delta.length];
        for (int col = 0; col < delta.length; col++) {
            for (int i = 0; i < delta.length; i++) {
                out[col] += delta[i] * j[i][col];
            }
        }
        return out;
    }

    private static void assertBackwardIsDeltaTimesJacobian(double[][] z, double[][] delta) {
        SoftmaxActivation softmax = new SoftmaxActivation();
        softmax.forward(nd(z));
        double[][] dz = java(softmax.backward(nd(delta), true));
        for (int t = 0; t < z.length; t++) {
            double[] g = softmax(z[t]);
            double[][] j = jacobian(g);
            double[] expected = rowTimes(delta[t], j);
            for (int k = 0; k < g.length; k++) {
                assertThat(Math.abs(dz[t][k] - expected[k])).as("row %d, column %d", t, k).isLessThan(1e-14);
            }
        }
    }

    @Test
    void jacobianIsSymmetricWithRowsSummingToZero() {
        // sanity of the reference itself: J = diag(g) - g^T g is symmetric, and each row sums to 0 because
        // adding a constant to every logit leaves the softmax unchanged
        double[] g = softmax(new double[] {0.3, -1.2, 2.0, 0.7});
        double[][] j = jacobian(g);
        for (int a = 0; a < g.length; a++) {
            double rowSum = 0;
            for (int b = 0; b < g.length; b++) {
                assertThat(j[a][b]).isEqualTo(j[b][a]);
                rowSum += j[a][b];
            }
            assertThat(Math.abs(rowSum)).isLessThan(1e-16);
        }
    }

    @Test
    void backwardEqualsDeltaTimesExplicitJacobian() {
        SplittableRandom random = new SplittableRandom(31);
        double[][] z = TestArrays.uniform(random, 6, 4, -3, 3);
        double[][] delta = TestArrays.uniform(random, 6, 4, -2, 2);
        assertBackwardIsDeltaTimesJacobian(z, delta);
    }

    @Test
    void backwardEqualsDeltaTimesExplicitJacobianForLargeLogits() {
        // logits near 1000: e^1000 overflows, so this only works if the forward subtracts the row maximum
        SplittableRandom random = new SplittableRandom(32);
        double[][] z = TestArrays.uniform(random, 3, 5, 995, 1000);
        double[][] delta = TestArrays.uniform(random, 3, 5, -2, 2);
        assertBackwardIsDeltaTimesJacobian(z, delta);
    }

    @Test
    void singleRowAsInTheLecture() {
        // the lecture's x in R^(1 x K): one observation
        assertBackwardIsDeltaTimesJacobian(new double[][] {{1.0, 2.0, 3.0}}, new double[][] {{0.5, -1.0, 0.25}});
    }
}
