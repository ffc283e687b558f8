package dev.chainrule.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** FloatExponential against the correctly rounded float of Math.exp, over its whole range and at its edges. */
class FloatExponentialTest {

    /** Every 97th float from the smallest argument with a normal result to the largest finite one (~22M values). */
    @Test
    void withinOneUlpOfMathExpAcrossTheRange() {
        int checked = 0;
        float worstArgument = 0;
        double worstUlps = 0;
        // a float's bit pattern grows with its magnitude: walk [-0, MIN_ARGUMENT] and [0, MAX_ARGUMENT] by bits
        float[][] ranges = {{-0f, FloatExponential.MIN_ARGUMENT}, {0f, FloatExponential.MAX_ARGUMENT}};
        for (float[] range : ranges) {
            int to = Float.floatToRawIntBits(range[1]);
            for (int bits = Float.floatToRawIntBits(range[0]); bits <= to; bits += 97) {
                float v = Float.intBitsToFloat(bits);
                float expected = (float) Math.exp(v);
                double ulps = Math.abs((double) FloatExponential.exp(v) - expected) / Math.ulp(expected);
                if (ulps > worstUlps) {
                    worstUlps = ulps;
                    worstArgument = v;
                }
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(20_000_000);
        assertThat(worstUlps).as("worst at %s", worstArgument).isLessThanOrEqualTo(1.0);
    }

    @Test
    void exactAtZeroAndAtTheEdgesAsDocumented() {
        assertThat(FloatExponential.exp(0f)).isEqualTo(1f);
        assertThat(FloatExponential.exp(-0f)).isEqualTo(1f);
        assertThat(FloatExponential.exp(1f)).isEqualTo((float) Math.E);
        assertThat(FloatExponential.exp(FloatExponential.MAX_ARGUMENT)).isFinite().isGreaterThan(3.4e38f);
        assertThat(FloatExponential.exp(Math.nextUp(FloatExponential.MAX_ARGUMENT))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(FloatExponential.exp(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(FloatExponential.exp(FloatExponential.MIN_ARGUMENT)).isGreaterThanOrEqualTo(Float.MIN_NORMAL);
        assertThat(FloatExponential.exp(Math.nextDown(FloatExponential.MIN_ARGUMENT))).isZero();
        assertThat(FloatExponential.exp(-1000f)).isZero();
        assertThat(FloatExponential.exp(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(FloatExponential.exp(Float.NaN)).isNaN();
    }
}
