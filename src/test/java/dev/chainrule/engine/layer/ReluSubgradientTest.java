package dev.chainrule.engine.layer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.TestArrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ReLU's derivative with seed 001's subgradient choice: g'(z) = 1 for z >= 0 (0 and -0.0 included) and 0 for
 * z < 0 (however small), in both float32 and float64.
 */
class ReluSubgradientTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void derivativeIsOneAtZeroAndNegativeZeroAndZeroBelow(DataType type) {
        boolean isDouble = type == DataType.DOUBLE;
        double smallestNegative = isDouble ? -Double.MIN_VALUE : -Float.MIN_VALUE; // a negative subnormal
        double smallestPositive = isDouble ? Double.MIN_VALUE : Float.MIN_VALUE;
        double[] z = {0.0, -0.0, smallestNegative, -1e-30, -2.0, smallestPositive, 1e-30, 3.0};
        double[] expectedDerivative = {1, 1, 0, 0, 0, 1, 1, 1};
        double delta = 2.5;

        INDArray input = Nd4j.createFromArray(new double[][] {z}).castTo(type);
        // the values really are what the test means: -0.0 keeps its sign bit, the subnormals are not zero
        assertThat(Double.doubleToRawLongBits(input.getDouble(0, 1))).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(input.getDouble(0, 2)).isLessThan(0.0);
        assertThat(input.getDouble(0, 5)).isGreaterThan(0.0);

        ReluActivation relu = new ReluActivation();
        double[][] h = TestArrays.java(relu.forward(input));
        for (int i = 0; i < z.length; i++) {
            assertThat(h[0][i]).as("relu(%s)", z[i]).isEqualTo(z[i] > 0 ? input.getDouble(0, i) : 0.0, org.assertj.core.data.Offset.offset(0.0));
        }
        INDArray deltas = Nd4j.valueArrayOf(new long[] {1, z.length}, delta, type);
        double[][] dz = TestArrays.java(relu.backward(deltas, true));
        for (int i = 0; i < z.length; i++) {
            assertThat(dz[0][i]).as("%s: dJ/dz at z = %s", type, z[i]).isEqualTo(delta * expectedDerivative[i]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void aWholeBatchGivenAsARowRangeOfALargerMatrixFollowsTheDefinition(DataType type) {
        // 130 x 257: not a multiple of any vector width; every fifth value exactly 0 or -0.0
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        double[][] all = new double[140][257];
        for (double[] row : all) {
            for (int j = 0; j < row.length; j++) {
                row[j] = j % 5 == 0 ? (j % 10 == 0 ? 0.0 : -0.0) : random.nextDouble(-3, 3);
            }
        }
        INDArray matrix = Nd4j.createFromArray(all).castTo(type);
        INDArray z = matrix.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(7, 137), org.nd4j.linalg.indexing.NDArrayIndex.all());
        double[][] deltas = TestArrays.uniform(random, 130, 257, -2, 2);

        ReluActivation relu = new ReluActivation();
        double[][] h = TestArrays.java(relu.forward(z));
        double[][] dz = TestArrays.java(relu.backward(Nd4j.createFromArray(deltas).castTo(type), true));
        for (int t = 0; t < 130; t++) {
            for (int j = 0; j < 257; j++) {
                double v = matrix.getDouble(t + 7, j);
                double d = type == DataType.FLOAT ? (float) deltas[t][j] : deltas[t][j];
                assertThat(h[t][j]).isEqualTo(Math.max(v, 0.0));
                assertThat(dz[t][j]).as("dz[%d][%d] at z = %s", t, j, v).isEqualTo(v >= 0 ? d : 0.0);
            }
        }
    }
}
