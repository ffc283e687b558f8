package dev.chainrule.engine.init;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The initialisers' distributions on a large (400 x 600) matrix: Xavier is U(-b, b) with
 * b = sqrt(6 / (fanIn + fanOut)), He is N(0, 2 / fanIn), small-uniform U(-0.05, 0.05).
 *
 * <p>Tolerances come from the sample size n = 240,000: the standard error of a sample std is about
 * std / sqrt(2n) ~ 0.15% of std, and of a sample mean std / sqrt(n) ~ 0.2% of std; the checks allow 2% and
 * 1% of std, more than 5 standard errors, so they are not flaky, yet a wrong fan (fanOut for fanIn, a missing
 * factor 2, a normal for a uniform) is off by 10% or more.
 */
class WeightInitialiserTest {
    private static final int FAN_IN = 400;
    private static final int FAN_OUT = 600;

    private static double[] fill(WeightInitialiser initialiser, long seed) {
        INDArray w = Nd4j.create(DataType.DOUBLE, FAN_IN, FAN_OUT);
        initialiser.fill(w, new SplittableRandom(seed));
        return w.data().asDouble();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    @Test
    void xavierStaysWithinItsBoundAndHasUniformVariance() {
        double bound = Math.sqrt(6.0 / (FAN_IN + FAN_OUT));
        double[] w = fill(WeightInitialiser.XAVIER, 131);
        double largest = java.util.Arrays.stream(w).map(Math::abs).max().orElseThrow();
        assertThat(largest).isLessThanOrEqualTo(bound);
        // with 240,000 draws the largest is within 1e-4 of the bound (P(miss) = (1 - 1e-4)^240000 ~ e^-24)
        assertThat(largest).isGreaterThan(bound * 0.9999);
        double expectedStd = bound / Math.sqrt(3); // std of U(-b, b)
        assertThat(std(w)).isCloseTo(expectedStd, org.assertj.core.data.Offset.offset(0.02 * expectedStd));
        assertThat(mean(w)).isCloseTo(0, org.assertj.core.data.Offset.offset(0.01 * expectedStd));
    }

    @Test
    void heHasStdSqrtTwoOverFanIn() {
        double expectedStd = Math.sqrt(2.0 / FAN_IN);
        double[] w = fill(WeightInitialiser.HE, 132);
        assertThat(std(w)).isCloseTo(expectedStd, org.assertj.core.data.Offset.offset(0.02 * expectedStd));
        assertThat(mean(w)).isCloseTo(0, org.assertj.core.data.Offset.offset(0.01 * expectedStd));
        // a normal, not a uniform: about 4.55% of draws lie beyond 2 std (a uniform of that std has none)
        long beyond = java.util.Arrays.stream(w).filter(x -> Math.abs(x) > 2 * expectedStd).count();
        assertThat(beyond / (double) w.length).isCloseTo(0.0455, org.assertj.core.data.Offset.offset(0.003));
    }

    @Test
    void smallUniformStaysWithinFiveHundredths() {
        double[] w = fill(WeightInitialiser.SMALL_UNIFORM, 133);
        assertThat(java.util.Arrays.stream(w).map(Math::abs).max().orElseThrow()).isLessThanOrEqualTo(0.05);
        assertThat(std(w)).isCloseTo(0.05 / Math.sqrt(3), org.assertj.core.data.Offset.offset(0.02 * 0.05 / Math.sqrt(3)));
    }

    @Test
    void sameSeedSameBitsDifferentSeedDifferentWeights() {
        for (WeightInitialiser initialiser : WeightInitialiser.values()) {
            double[] a = fill(initialiser, 7);
            double[] b = fill(initialiser, 7);
            double[] c = fill(initialiser, 8);
            assertThat(a).as(initialiser.name()).isEqualTo(b);
            assertThat(java.util.Arrays.equals(a, c)).as(initialiser.name()).isFalse();
        }
    }

    @Test
    void floatWeightsAreTheDoubleDrawsRounded() {
        INDArray d = Nd4j.create(DataType.DOUBLE, 30, 20);
        INDArray f = Nd4j.create(DataType.FLOAT, 30, 20);
        WeightInitialiser.HE.fill(d, new SplittableRandom(9));
        WeightInitialiser.HE.fill(f, new SplittableRandom(9));
        double[] dv = d.data().asDouble();
        float[] fv = f.data().asFloat();
        for (int i = 0; i < dv.length; i++) {
            assertThat(fv[i]).isEqualTo((float) dv[i]);
        }
    }
}
