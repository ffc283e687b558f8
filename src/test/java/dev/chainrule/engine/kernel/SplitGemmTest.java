package dev.chainrule.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A product split into blocks over a thread's share gives exactly what one call gives, for every transpose, both
 * split directions, both types and operands that start inside their buffer; and both agree with a plain triple loop.
 */
class SplitGemmTest {

    @AfterEach
    void restore() {
        ComputeThreads.useShare(1);
        ComputeThreads.configureDefaults();
    }

    @Test
    void splitProductsEqualTheUnsplitOneBitForBit() {
        ComputeThreads.configure(1, 4); // four threads to share whatever the machine has
        SplittableRandom random = new SplittableRandom(16);
        // (m, n, k): more rows than columns (split by rows), more columns (split by columns), uneven sizes
        int[][] shapes = {{520, 64, 300}, {64, 520, 300}, {251, 129, 300}};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] shape : shapes) {
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        int m = shape[0];
                        int n = shape[1];
                        int k = shape[2];
                        assertThat(Blas.parts(m, n, k, 4)).as("shape %dx%dx%d splits", m, n, k).isEqualTo(4);
                        INDArray a = rowRange(random, type, ta ? k : m, ta ? m : k);
                        INDArray b = rowRange(random, type, tb ? n : k, tb ? k : n);
                        INDArray c0 = rowRange(random, type, m, n);
                        INDArray whole = c0.dup();
                        INDArray split = c0.dup();
                        ComputeThreads.useShare(1);
                        Blas.gemm(a, ta, b, tb, whole, 0.5, 0.25);
                        ComputeThreads.useShare(4);
                        Blas.gemm(a, ta, b, tb, split, 0.5, 0.25);
                        String what = type + " " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb;
                        assertThat(split.data().asDouble()).as(what).containsExactly(whole.data().asDouble());
                        assertClose(split, naive(a, ta, b, tb, c0, 0.5, 0.25), type == DataType.FLOAT ? 1e-3 : 1e-10, what);
                    }
                }
            }
        }
    }

    @Test
    void aLongAxpyInBlocksEqualsTheWholeOneAndItsDefinition() {
        ComputeThreads.configure(1, 4);
        SplittableRandom random = new SplittableRandom(17);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            int n = 4 * Blas.MIN_PART_ELEMENTS + 13; // four blocks, the last uneven
            INDArray x = rowRange(random, type, 1, n);
            INDArray y0 = rowRange(random, type, 1, n);
            INDArray whole = y0.dup();
            INDArray split = y0.dup();
            ComputeThreads.useShare(1);
            Blas.axpy(-0.1, x, whole);
            ComputeThreads.useShare(4);
            Blas.axpy(-0.1, x, split);
            assertThat(split.data().asDouble()).as(type.toString()).containsExactly(whole.data().asDouble());
            for (int i = 0; i < n; i += 997) {
                double expected = y0.getDouble(i) - 0.1 * x.getDouble(i);
                assertThat(split.getDouble(i)).isCloseTo(expected, org.assertj.core.api.Assertions.within(
                        type == DataType.FLOAT ? 1e-6 : 1e-15));
            }
        }
    }

    @Test
    void smallProductsAndShareOneStayWhole() {
        assertThat(Blas.parts(128, 10, 128, 8)).isEqualTo(1); // 164k multiply-adds: not worth a hand-off
        assertThat(Blas.parts(128, 256, 784, 1)).isEqualTo(1);
        assertThat(Blas.parts(128, 256, 784, 2)).isEqualTo(2);
        assertThat(Blas.parts(128, 256, 784, 64)).as("blocks of 2M multiply-adds at least").isEqualTo(8);
        assertThat(Blas.parts(20, 20, 1_000_000, 8)).as("one 16-wide stripe each at most").isEqualTo(2);
        assertThat(Blas.parts(520, 64, 300, 8)).isEqualTo(4);
    }

    @Test
    void blocksAreNearlyEqualAlignedAndCoverEverything() {
        int[] starts = new int[5];
        for (int p = 0; p <= 4; p++) {
            starts[p] = Blas.blockStart(200, 4, p);
        }
        assertThat(starts).containsExactly(0, 48, 96, 144, 200);
        assertThat(Blas.blockStart(784, 2, 1)).isEqualTo(400);
    }

    @Test
    void aShareIsClampedToTheConfiguredThreads() {
        ComputeThreads.configure(1, 3);
        ComputeThreads.useShare(10);
        assertThat(ComputeThreads.shareOfCurrentThread()).isEqualTo(3);
        ComputeThreads.useShare(0);
        assertThat(ComputeThreads.shareOfCurrentThread()).isEqualTo(1);
    }

    /** Rows 1.. of a larger random matrix: the view starts inside its buffer, as a minibatch's row range does. */
    private static INDArray rowRange(SplittableRandom random, DataType type, int rows, int columns) {
        double[] values = new double[(rows + 1) * columns];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble(-1, 1);
        }
        INDArray all = Nd4j.create(values, new long[] {rows + 1, columns}, DataType.DOUBLE).castTo(type);
        return all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, rows + 1),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
    }

    private static double[][] naive(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c, double alpha, double beta) {
        double[][] av = a.toDoubleMatrix();
        double[][] bv = b.toDoubleMatrix();
        double[][] out = c.toDoubleMatrix();
        int k = ta ? av.length : av[0].length;
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < out[i].length; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += (ta ? av[p][i] : av[i][p]) * (tb ? bv[j][p] : bv[p][j]);
                }
                out[i][j] = alpha * sum + beta * out[i][j];
            }
        }
        return out;
    }

    private static void assertClose(INDArray actual, double[][] expected, double tolerance, String what) {
        double[][] values = actual.toDoubleMatrix();
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertThat(values[i][j]).as(what + " at (%d, %d)", i, j)
                        .isCloseTo(expected[i][j], org.assertj.core.data.Offset.offset(tolerance));
            }
        }
    }
}
