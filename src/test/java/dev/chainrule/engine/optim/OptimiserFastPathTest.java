package dev.chainrule.engine.optim;

import static dev.chainrule.engine.TestArrays.nd;
import static dev.chainrule.engine.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.TestArrays;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam's and momentum's float32 loops against their reference updates (the whole-array form float64 runs), over
 * a few steps on the same float32 parameters and gradients.
 */
class OptimiserFastPathTest {
    private static final int STEPS = 5;
    private final SplittableRandom random = new SplittableRandom(4);

    @Test
    void adam() {
        AdamOptimiser fast = new AdamOptimiser(0.01, 0.9, 0.999, 1e-8);
        AdamOptimiser reference = new AdamOptimiser(0.01, 0.9, 0.999, 1e-8);
        INDArray theta = nd(uniform(random, 31, 9, -1, 1), DataType.FLOAT);
        INDArray thetaReference = theta.dup();
        INDArray m = theta.like();
        INDArray v = theta.like();
        for (int t = 1; t <= STEPS; t++) {
            INDArray g = nd(uniform(random, 31, 9, -2, 2), DataType.FLOAT);
            fast.step(List.of(new Parameter("w", theta, g, true)));
            reference.reference(thetaReference, g, m, v, 1 - Math.pow(0.9, t), 1 - Math.pow(0.999, t));
        }
        assertClose(theta, thetaReference);
    }

    @Test
    void momentum() {
        MomentumOptimiser fast = new MomentumOptimiser(0.05, 0.9);
        MomentumOptimiser reference = new MomentumOptimiser(0.05, 0.9);
        INDArray theta = nd(uniform(random, 31, 9, -1, 1), DataType.FLOAT);
        INDArray thetaReference = theta.dup();
        INDArray velocity = theta.like();
        for (int t = 1; t <= STEPS; t++) {
            INDArray g = nd(uniform(random, 31, 9, -2, 2), DataType.FLOAT);
            fast.step(List.of(new Parameter("w", theta, g, true)));
            reference.reference(thetaReference, g, velocity);
        }
        assertClose(theta, thetaReference);
    }

    /** A few float32 roundings per step apart at most. */
    private static void assertClose(INDArray fast, INDArray reference) {
        double[][] a = TestArrays.java(fast);
        double[][] e = TestArrays.java(reference);
        for (int r = 0; r < a.length; r++) {
            for (int c = 0; c < a[r].length; c++) {
                double tolerance = Math.max(1e-7, 4 * STEPS * Math.ulp((float) Math.abs(e[r][c])));
                assertThat(a[r][c]).as("[%d][%d]", r, c).isCloseTo(e[r][c], Offset.offset(tolerance));
            }
        }
    }
}
