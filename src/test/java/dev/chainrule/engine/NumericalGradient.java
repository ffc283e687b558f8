package dev.chainrule.engine;

import dev.chainrule.engine.kernel.Elements;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reference for every gradient check: central differences in float64,
 * dJ/dx_i ~ (J(x + h e_i) - J(x - h e_i)) / (2h) with h = 1e-6, compared element by element with the
 * analytic gradient by the relative error |a - n| / max(|a| + |n|, 1e-12), which must stay below 1e-6.
 *
 * <p>Why these numbers: the truncation error of central differences is O(h^2 J''') ~ 1e-12, and the
 * rounding error is about ulp(J) / h ~ 1e-16 |J| / 1e-6 = 1e-10 |J|; both are far below 1e-6 of a gradient
 * element of order 1e-3 or more when J is of order 1. A sign error, a missing 1/T, a transposed product or a
 * wrong Jacobian term gives relative errors of order 1. Elements where both gradients are exactly 0 (a dead
 * ReLU unit) have relative error 0.
 */
public final class NumericalGradient {
    /** The central-difference step h. */
    public static final double STEP = 1e-6;
    /** The largest relative error accepted for any element. */
    public static final double TOLERANCE = 1e-6;

    private NumericalGradient() {
    }

    /**
     * dJ/dx for every element of x, by central differences. x is perturbed in place one element at a time
     * and restored exactly afterwards; f must recompute J from x's current contents.
     */
    public static double[][] of(INDArray x, DoubleSupplier f) {
        assertThat(x.dataType()).as("gradient checks run in float64").isEqualTo(DataType.DOUBLE);
        assertThat(x.rank()).isEqualTo(2);
        int rows = (int) x.rows();
        int columns = (int) x.columns();
        double[][] gradient = new double[rows][columns];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                double original = x.getDouble(i, j);
                double up = original + STEP;
                double down = original - STEP;
                x.putScalar(i, j, up);
                double jUp = f.getAsDouble();
                x.putScalar(i, j, down);
                double jDown = f.getAsDouble();
                x.putScalar(i, j, original);
                // divide by the step actually taken (up - down), not by the nominal 2h
                gradient[i][j] = (jUp - jDown) / (up - down);
            }
        }
        return gradient;
    }

    public static double relativeError(double analytic, double numeric) {
        return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic) + Math.abs(numeric), 1e-12);
    }

    /**
     * Copies the analytic gradient first (engine arrays are reused buffers), then computes the numerical one
     * with {@link #of} and asserts every element's relative error is below {@link #TOLERANCE}. Also asserts the
     * gradient is not all zeros, so a check cannot pass vacuously.
     */
    public static void check(String what, INDArray analytic, INDArray x, DoubleSupplier f) {
        assertThat(analytic).as(what + ": analytic gradient").isNotNull();
        assertThat(analytic.shape()).as(what + ": gradient shape").isEqualTo(x.shape());
        double[][] a = analytic.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] n = of(x, f);
        assertMatch(what, a, n);
    }

    /** Element-wise relative-error comparison of two gradients of the same shape. */
    public static void assertMatch(String what, double[][] analytic, double[][] numeric) {
        assertThat(analytic.length).as(what + ": rows").isEqualTo(numeric.length);
        double worst = 0;
        int worstI = -1;
        int worstJ = -1;
        double largest = 0;
        for (int i = 0; i < analytic.length; i++) {
            assertThat(analytic[i].length).as(what + ": columns").isEqualTo(numeric[i].length);
            for (int j = 0; j < analytic[i].length; j++) {
                double error = relativeError(analytic[i][j], numeric[i][j]);
                if (!(error <= worst)) { // also catches NaN
                    worst = error;
                    worstI = i;
                    worstJ = j;
                }
                largest = Math.max(largest, Math.abs(numeric[i][j]));
            }
        }
        assertThat(largest).as(what + ": the gradient is identically zero, the check would be vacuous")
                .isGreaterThan(1e-6);
        if (!(worst < TOLERANCE)) {
            throw new AssertionError(String.format(
                    "%s: relative error %.3e at [%d][%d] (analytic %.12e, numerical %.12e) exceeds %.0e",
                    what, worst, worstI, worstJ, analytic[worstI][worstJ], numeric[worstI][worstJ], TOLERANCE));
        }
    }
}
