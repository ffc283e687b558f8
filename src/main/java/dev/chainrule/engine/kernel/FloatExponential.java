package dev.chainrule.engine.kernel;

/**
 * e^x in float32 without going through double: x = k ln 2 + f with |f| <= ln 2 / 2, e^x = 2^k e^f, e^f from a
 * degree-7 polynomial (Cephes' expf coefficients) and 2^k written straight into the exponent bits. Within 1 ulp of
 * the correctly rounded (float) Math.exp(x) over the float range (FloatExponentialTest checks every 97th float in
 * [-87.3, 88.7]). It is faster than Math.exp with its conversions to and from double; softmax takes the exponential
 * of every logit of every row, so this and a bulk copy of the logits are most of its forward pass's speed
 * (bench/results/2026-11-22-speed-notes.md).
 */
public final class FloatExponential {
    /** Below this e^x is not a normal float; the result is 0 there (Math.exp gives a subnormal or 0). */
    static final float MIN_ARGUMENT = -87.33654f;
    /** Above this e^x overflows to infinity, as Math.exp does. */
    static final float MAX_ARGUMENT = 88.72283f;
    private static final float LOG2_E = 1.44269504088896341f;
    // ln 2 split so that k * LN2_HIGH is exact for the k that occur (Cody and Waite)
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = 0x4B400000;

    private FloatExponential() {
    }

    /** e^x, NaN for NaN, infinity above {@link #MAX_ARGUMENT}, 0 below {@link #MIN_ARGUMENT}. */
    public static float exp(float x) {
        if (!(x >= MIN_ARGUMENT && x <= MAX_ARGUMENT)) {
            return Float.isNaN(x) ? x : x > 0 ? Float.POSITIVE_INFINITY : 0f;
        }
        float t = x * LOG2_E + ROUNDER;
        int k = Float.floatToRawIntBits(t) - ROUNDER_BITS; // round(x log2 e)
        float kf = t - ROUNDER;
        float f = x - kf * LN2_HIGH - kf * LN2_LOW;
        float p = 1.9875691500E-4f;
        p = p * f + 1.3981999507E-3f;
        p = p * f + 8.3334519073E-3f;
        p = p * f + 4.1665795894E-2f;
        p = p * f + 1.6666665459E-1f;
        p = p * f + 5.0000001201E-1f;
        p = p * f * f + f + 1f;
        // at x near MAX_ARGUMENT, k is 128: 2^k alone is not a float, so scale by 2^(k-1) twice
        int half = k >> 1;
        return p * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((k - half + 127) << 23);
    }
}
