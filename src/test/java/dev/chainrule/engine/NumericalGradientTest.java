package dev.chainrule.engine;

import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The gradient-check helper itself: it must agree with known derivatives and reject wrong ones. */
class NumericalGradientTest {

    /** J(x) = sum_ij sin(x_ij) * x_ij^2, dJ/dx = cos(x) x^2 + 2 x sin(x), evaluated in plain Java. */
    private static double objective(INDArray x) {
        double s = 0;
        for (double[] row : TestArrays.java(x)) {
            for (double v : row) {
                s += Math.sin(v) * v * v;
            }
        }
        return s;
    }

    @Test
    void matchesAKnownDerivativeAndRestoresTheInput() {
        double[][] values = TestArrays.uniform(new SplittableRandom(1), 3, 4, -2, 2);
        INDArray x = nd(values);
        double[][] numeric = NumericalGradient.of(x, () -> objective(x));
        double[][] exact = new double[3][4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                double v = values[i][j];
                exact[i][j] = Math.cos(v) * v * v + 2 * v * Math.sin(v);
            }
        }
        NumericalGradient.assertMatch("sin(x) x^2", exact, numeric);
        assertThat(TestArrays.java(x)).as("x restored bit for bit").isEqualTo(values);
    }

    @Test
    void rejectsAGradientOffByAFactor() {
        double[][] values = TestArrays.uniform(new SplittableRandom(2), 2, 3, 0.5, 1.5);
        INDArray x = nd(values);
        double[][] wrong = new double[2][3];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                double v = values[i][j];
                wrong[i][j] = (Math.cos(v) * v * v + 2 * v * Math.sin(v)) * (1 + 1e-5);
            }
        }
        double[][] numeric = NumericalGradient.of(x, () -> objective(x));
        assertThatThrownBy(() -> NumericalGradient.assertMatch("off by 1e-5", wrong, numeric))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void relativeErrorDefinition() {
        assertThat(NumericalGradient.relativeError(1.0, 1.0)).isZero();
        assertThat(NumericalGradient.relativeError(0.0, 0.0)).isZero();
        assertThat(NumericalGradient.relativeError(1.0, 3.0)).isEqualTo(0.5);
        assertThat(NumericalGradient.relativeError(1e-13, 0.0)).isEqualTo(0.1, org.assertj.core.data.Offset.offset(1e-15));
    }
}
