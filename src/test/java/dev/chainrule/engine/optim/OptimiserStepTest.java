package dev.chainrule.engine.optim;

import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.TestArrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One or two optimiser updates against the same updates done by hand in plain Java doubles, on two float64
 * parameters (so per-parameter state is exercised too) with a different gradient at each step.
 *
 * <p>Tolerance: the engine's updates go through BLAS axpy (which may fuse the multiply-add) and, for Adam,
 * apply the two bias corrections in another order than the hand computation; each such difference is a
 * rounding or two of a number of order 1, so the comparisons allow 1e-15 (about 4 ulps of 1) and no more.
 */
class OptimiserStepTest {
    private static final double TOLERANCE = 1e-15;

    private double[][][] theta0;
    private double[][][] g1;
    private double[][][] g2;
    private List<Parameter> parameters;

    @BeforeEach
    void setUp() {
        SplittableRandom random = new SplittableRandom(121);
        theta0 = new double[][][] {TestArrays.uniform(random, 2, 3, -1, 1), TestArrays.uniform(random, 1, 3, -1, 1)};
        g1 = new double[][][] {TestArrays.uniform(random, 2, 3, -1, 1), TestArrays.uniform(random, 1, 3, -1, 1)};
        g2 = new double[][][] {TestArrays.uniform(random, 2, 3, -1, 1), TestArrays.uniform(random, 1, 3, -1, 1)};
        parameters = List.of(
                new Parameter("l.W", nd(theta0[0]), nd(new double[2][3]), true),
                new Parameter("l.b", nd(theta0[1]), nd(new double[1][3]), false));
    }

    private void setGradients(double[][][] g) {
        for (int p = 0; p < parameters.size(); p++) {
            parameters.get(p).gradient().assign(nd(g[p]));
        }
    }

    private void assertValues(double[][][] expected) {
        for (int p = 0; p < parameters.size(); p++) {
            double[][] actual = java(parameters.get(p).value());
            assertThat(TestArrays.maxAbsDifference(actual, expected[p])).as(parameters.get(p).name()).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    /** Applies f to every element of every parameter: out[p][i][j] = f(p, i, j). */
    private static double[][][] each(double[][][] shape, ElementFunction f) {
        double[][][] out = new double[shape.length][][];
        for (int p = 0; p < shape.length; p++) {
            out[p] = new double[shape[p].length][shape[p][0].length];
            for (int i = 0; i < shape[p].length; i++) {
                for (int j = 0; j < shape[p][i].length; j++) {
                    out[p][i][j] = f.apply(p, i, j);
                }
            }
        }
        return out;
    }

    @FunctionalInterface
    private interface ElementFunction {
        double apply(int p, int i, int j);
    }

    @Test
    void sgdStepIsThetaMinusLearningRateTimesGradient() {
        double lr = 0.1;
        Optimiser sgd = OptimiserSettings.sgd(lr).create();
        assertThat(sgd).isInstanceOf(SgdOptimiser.class);
        assertThat(sgd.learningRate()).isEqualTo(lr);
        setGradients(g1);
        sgd.step(parameters);
        double[][][] theta1 = each(theta0, (p, i, j) -> theta0[p][i][j] - lr * g1[p][i][j]);
        assertValues(theta1);
        // the optimiser reads the gradients but does not change them
        assertThat(java(parameters.get(0).gradient())).isEqualTo(g1[0]);
        setGradients(g2);
        sgd.step(parameters);
        assertValues(each(theta0, (p, i, j) -> theta1[p][i][j] - lr * g2[p][i][j]));
    }

    @Test
    void momentumTwoStepsByHand() {
        double lr = 0.1;
        double mu = 0.9;
        MomentumOptimiser momentum = (MomentumOptimiser) OptimiserSettings.momentum(lr, mu).create();
        setGradients(g1);
        momentum.step(parameters);
        // v1 = mu * 0 - lr g1 (velocity starts at zero), theta1 = theta0 + v1
        double[][][] v1 = each(theta0, (p, i, j) -> -lr * g1[p][i][j]);
        double[][][] theta1 = each(theta0, (p, i, j) -> theta0[p][i][j] + v1[p][i][j]);
        assertValues(theta1);
        setGradients(g2);
        momentum.step(parameters);
        double[][][] v2 = each(theta0, (p, i, j) -> mu * v1[p][i][j] - lr * g2[p][i][j]);
        double[][][] theta2 = each(theta0, (p, i, j) -> theta1[p][i][j] + v2[p][i][j]);
        assertValues(theta2);
        assertThat(TestArrays.maxAbsDifference(java(momentum.velocity().get("l.W")), v2[0])).isLessThanOrEqualTo(TOLERANCE);
        assertThat(TestArrays.maxAbsDifference(java(momentum.velocity().get("l.b")), v2[1])).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void adamTwoStepsByHand() {
        double lr = 0.01;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        OptimiserSettings settings = OptimiserSettings.adam(lr);
        assertThat(settings.beta1()).isEqualTo(b1);
        assertThat(settings.beta2()).isEqualTo(b2);
        assertThat(settings.epsilon()).isEqualTo(eps);
        AdamOptimiser adam = (AdamOptimiser) settings.create();

        setGradients(g1);
        adam.step(parameters);
        assertThat(adam.steps()).isEqualTo(1);
        double[][][] m1 = each(theta0, (p, i, j) -> (1 - b1) * g1[p][i][j]);
        double[][][] v1 = each(theta0, (p, i, j) -> (1 - b2) * g1[p][i][j] * g1[p][i][j]);
        double[][][] theta1 = each(theta0, (p, i, j) -> {
            double mHat = m1[p][i][j] / (1 - b1);
            double vHat = v1[p][i][j] / (1 - b2);
            return theta0[p][i][j] - lr * mHat / (Math.sqrt(vHat) + eps);
        });
        assertValues(theta1);
        // at t = 1 the bias correction makes the step lr * g / (|g| + eps): almost exactly lr per weight
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < theta0[p].length; i++) {
                for (int j = 0; j < 3; j++) {
                    assertThat(Math.abs(theta1[p][i][j] - theta0[p][i][j])).isCloseTo(lr, org.assertj.core.data.Offset.offset(1e-8));
                }
            }
        }

        setGradients(g2);
        adam.step(parameters);
        assertThat(adam.steps()).isEqualTo(2);
        double[][][] theta2 = each(theta0, (p, i, j) -> {
            double m2 = b1 * m1[p][i][j] + (1 - b1) * g2[p][i][j];
            double v2 = b2 * v1[p][i][j] + (1 - b2) * g2[p][i][j] * g2[p][i][j];
            double mHat = m2 / (1 - b1 * b1);
            double vHat = v2 / (1 - b2 * b2);
            return theta1[p][i][j] - lr * mHat / (Math.sqrt(vHat) + eps);
        });
        assertValues(theta2);
    }

    @Test
    void settingsRejectNonsense() {
        assertThatThrownBy(() -> new SgdOptimiser(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SgdOptimiser(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MomentumOptimiser(0.1, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AdamOptimiser(0.1, 0.9, 1.0, 1e-8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AdamOptimiser(0.1, 0.9, 0.999, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
