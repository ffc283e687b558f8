package dev.chainrule.engine.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.NumericalGradient;
import dev.chainrule.engine.TestArrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Maxout (seed 002's y = max_j z_j): the forward pass against a max computed here, the backward pass against the
 * lecture's dy/dz_i (1 at the argmax, 0 elsewhere; ties to the lowest index), and against central differences away
 * from ties.
 */
class MaxoutLayerTest {

    /** Units of 3 pieces: unit u's pieces are columns 3u, 3u+1, 3u+2. */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void forwardKeepsEachUnitsLargestPieceAndBackwardRoutesDeltaToIt(DataType type) {
        double[][] z = {
                {1.0, -2.0, 0.5, /* unit 1 */ -4.0, -1.0, -3.0},
                {2.0, 2.0, 1.0, /* ties: the lowest index wins */ 0.0, 0.0, 0.0},
                {-1.0, 7.0, 7.0, /* a later tie */ 3.0, -0.0, 5.0}};
        double[][] expectedH = {{1.0, -1.0}, {2.0, 0.0}, {7.0, 5.0}};
        int[][] winners = {{0, 4}, {0, 3}, {1, 5}};
        MaxoutLayer maxout = new MaxoutLayer(2, 3);
        assertThat(TestArrays.java(maxout.forward(TestArrays.nd(z, type)))).isEqualTo(expectedH);
        double[][] delta = {{0.5, -1.5}, {2.0, 3.0}, {-0.25, 4.0}};
        double[][] dz = TestArrays.java(maxout.backward(TestArrays.nd(delta, type), true));
        for (int t = 0; t < 3; t++) {
            for (int c = 0; c < 6; c++) {
                int unit = c / 3;
                assertThat(dz[t][c]).as("%s dz[%d][%d]", type, t, c).isEqualTo(winners[t][unit] == c ? delta[t][unit] : 0.0);
            }
        }
        assertThat(maxout.outputWidth(6)).isEqualTo(2);
        assertThat(maxout.backward(TestArrays.nd(delta, type), false)).isNull();
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void aRowRangeOfALargerMatrixFollowsTheDefinition(DataType type) {
        SplittableRandom random = new SplittableRandom(3);
        double[][] all = TestArrays.uniform(random, 50, 35, -3, 3); // 7 units of 5 pieces
        INDArray matrix = TestArrays.nd(all, type);
        INDArray z = matrix.get(NDArrayIndex.interval(4, 44), NDArrayIndex.all());
        double[][] delta = TestArrays.uniform(random, 40, 7, -2, 2);
        MaxoutLayer maxout = new MaxoutLayer(7, 5);
        double[][] h = TestArrays.java(maxout.forward(z));
        double[][] dz = TestArrays.java(maxout.backward(TestArrays.nd(delta, type), true));
        for (int t = 0; t < 40; t++) {
            for (int u = 0; u < 7; u++) {
                int best = 0;
                for (int p = 1; p < 5; p++) {
                    best = matrix.getDouble(t + 4, u * 5 + p) > matrix.getDouble(t + 4, u * 5 + best) ? p : best;
                }
                assertThat(h[t][u]).isEqualTo(matrix.getDouble(t + 4, u * 5 + best));
                double d = type == DataType.FLOAT ? (float) delta[t][u] : delta[t][u];
                for (int p = 0; p < 5; p++) {
                    assertThat(dz[t][u * 5 + p]).isEqualTo(p == best ? d : 0.0);
                }
            }
        }
    }

    @Test
    void aNanPieceWinsSoDivergenceShows() {
        MaxoutLayer maxout = new MaxoutLayer(1, 3);
        double[][] h = TestArrays.java(maxout.forward(TestArrays.nd(new double[][] {{1.0, Double.NaN, 5.0}}, DataType.DOUBLE)));
        assertThat(h[0][0]).isNaN();
    }

    /**
     * J = sum(R * h) for a fixed random R, so dJ/dh = R: backward(R) against central differences of J in z, for inputs
     * whose two largest pieces per unit are at least 1e-3 apart (no step crosses a tie).
     */
    @Test
    void backwardMatchesCentralDifferencesAwayFromTies() {
        SplittableRandom random = new SplittableRandom(11);
        double[][] z = TestArrays.uniform(random, 5, 12, -2, 2); // 4 units of 3 pieces
        for (double[] row : z) {
            for (int u = 0; u < 4; u++) {
                double[] pieces = java.util.Arrays.copyOfRange(row, u * 3, u * 3 + 3);
                java.util.Arrays.sort(pieces);
                assertThat(pieces[2] - pieces[1]).as("precondition: pieces away from a tie").isGreaterThan(1e-3);
            }
        }
        double[][] r = TestArrays.uniform(random, 5, 4, -1, 1);
        MaxoutLayer maxout = new MaxoutLayer(4, 3);
        INDArray input = TestArrays.nd(z);
        maxout.forward(input);
        INDArray analytic = maxout.backward(TestArrays.nd(r), true).dup();
        NumericalGradient.check("maxout dJ/dz", analytic, input,
                () -> TestArrays.dot(new MaxoutLayer(4, 3).forward(input), r));
    }

    @Test
    void widthsAreChecked() {
        MaxoutLayer maxout = new MaxoutLayer(2, 3);
        assertThatThrownBy(() -> maxout.forward(Nd4j.zeros(DataType.FLOAT, 2, 5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("T x 6");
        maxout.forward(Nd4j.zeros(DataType.FLOAT, 2, 6));
        assertThatThrownBy(() -> maxout.backward(Nd4j.zeros(DataType.FLOAT, 3, 2), true)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new MaxoutLayer(2, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
