package dev.chainrule.engine.loss;

import static dev.chainrule.engine.TestArrays.distributions;
import static dev.chainrule.engine.TestArrays.nd;
import static dev.chainrule.engine.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.TestArrays;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Each loss's float32 gradient loop against its reference (the whole-array form float64 runs and the gradient
 * checks hold to numerical derivatives), both on the same float32 arrays.
 */
class LossFastPathTest {
    private static final int T = 67;
    private static final int K = 7;
    private final SplittableRandom random = new SplittableRandom(615);

    @Test
    void squaredError() {
        INDArray p = nd(uniform(random, T, K, -3, 3), DataType.FLOAT);
        INDArray y = nd(uniform(random, T, K, -3, 3), DataType.FLOAT);
        assertClose(new SquaredErrorLoss().gradient(p, y), SquaredErrorLoss.reference(p, y));
    }

    @Test
    void logLoss() {
        INDArray p = nd(uniform(random, T, K, 0.01, 0.99), DataType.FLOAT);
        INDArray y = nd(TestArrays.oneHot(random, T, K), DataType.FLOAT);
        assertClose(new LogLoss(1e-7).gradient(p, y), LogLoss.reference(p, y, 1e-7));
    }

    @Test
    void crossEntropyAndItsFusedSoftmaxForm() {
        INDArray p = nd(distributions(random, T, K), DataType.FLOAT);
        INDArray y = nd(TestArrays.oneHot(random, T, K), DataType.FLOAT);
        CrossEntropyLoss loss = new CrossEntropyLoss(1e-7);
        assertClose(loss.gradient(p, y), CrossEntropyLoss.reference(p, y, 1e-7));
        assertClose(loss.fusedSoftmaxGradient(p, y), CrossEntropyLoss.fusedReference(p, y));
    }

    @Test
    void float64RunsTheReference() {
        INDArray p = nd(distributions(random, 5, 3), DataType.DOUBLE);
        INDArray y = nd(TestArrays.oneHot(random, 5, 3), DataType.DOUBLE);
        CrossEntropyLoss loss = new CrossEntropyLoss(1e-7);
        assertThat(TestArrays.java(loss.gradient(p, y))).isDeepEqualTo(TestArrays.java(CrossEntropyLoss.reference(p, y, 1e-7)));
    }

    /** Within 4 float32 ulps of the larger magnitude (1e-9 absolute near zero). */
    private static void assertClose(INDArray fast, INDArray reference) {
        double[][] a = TestArrays.java(fast);
        double[][] e = TestArrays.java(reference);
        for (int r = 0; r < a.length; r++) {
            for (int c = 0; c < a[r].length; c++) {
                double tolerance = Math.max(1e-9, 4 * Math.ulp((float) Math.max(Math.abs(a[r][c]), Math.abs(e[r][c]))));
                assertThat(a[r][c]).as("[%d][%d]", r, c).isCloseTo(e[r][c], Offset.offset(tolerance));
            }
        }
    }
}
