package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.kernel.NioView;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * g(z) = max(0, z). Diagonal Jacobian, so backward is the element-wise product delta * g'(z) with the
 * subgradient of seed 001: g'(z) = 1 for z >= 0 and 0 for z < 0 (any value in [0, 1] is a valid subgradient
 * at 0, seed 002; the lecture picks 1).
 *
 * <p>Both directions copy their input into a Java array in bulk, compute there and copy the result back: on a
 * Java array the JIT turns these branch-free loops into vector instructions (a loop element by element over
 * native memory runs ~10x slower, and ND4J's two ops for backward cost more than the copies), bench/results.
 * Forward keeps its copy of z for backward.
 */
public final class ReluActivation extends ActivationLayer {
    /**
     * (z * HUGE) * HUGE is +-infinity or NaN for any z != 0 (even the smallest subnormal), so
     * 1 - min(max(-z * HUGE * HUGE, 0), 1) is 1 for z >= 0, -0 included, and 0 for z < 0, without a branch.
     */
    private static final float HUGE_F = Float.MAX_VALUE;
    private static final double HUGE_D = Double.MAX_VALUE;

    private final NioView zView = new NioView();
    private final NioView hView = new NioView();
    private final NioView deltaView = new NioView();
    private final NioView dzView = new NioView();
    private float[] zFloats = new float[0];
    private float[] workFloats = new float[0];
    private double[] zDoubles = new double[0];
    private double[] workDoubles = new double[0];

    @Override
    protected void apply(INDArray z, INDArray h) {
        int n = (int) z.length();
        if (Elements.isFloat(z)) {
            float[] zs = zFloats = capacity(zFloats, n);
            float[] hs = workFloats = capacity(workFloats, n);
            zView.floats(z).get(0, zs, 0, n);
            for (int i = 0; i < n; i++) {
                hs[i] = Math.max(zs[i], 0f); // a NaN stays NaN, so divergence still shows
            }
            hView.floats(h).put(0, hs, 0, n);
        } else {
            double[] zs = zDoubles = capacity(zDoubles, n);
            double[] hs = workDoubles = capacity(workDoubles, n);
            zView.doubles(z).get(0, zs, 0, n);
            for (int i = 0; i < n; i++) {
                hs[i] = Math.max(zs[i], 0.0);
            }
            hView.doubles(h).put(0, hs, 0, n);
        }
    }

    @Override
    protected void backPropagate(INDArray delta, INDArray dz) {
        int n = (int) delta.length();
        if (Elements.isFloat(delta)) {
            float[] zs = zFloats;
            float[] d = workFloats = capacity(workFloats, n);
            deltaView.floats(delta).get(0, d, 0, n);
            for (int i = 0; i < n; i++) {
                d[i] *= 1f - Math.min(Math.max(-zs[i] * HUGE_F * HUGE_F, 0f), 1f);
            }
            dzView.floats(dz).put(0, d, 0, n);
        } else {
            double[] zs = zDoubles;
            double[] d = workDoubles = capacity(workDoubles, n);
            deltaView.doubles(delta).get(0, d, 0, n);
            for (int i = 0; i < n; i++) {
                d[i] *= 1.0 - Math.min(Math.max(-zs[i] * HUGE_D * HUGE_D, 0.0), 1.0);
            }
            dzView.doubles(dz).put(0, d, 0, n);
        }
    }

    private static float[] capacity(float[] array, int n) {
        return array.length >= n ? array : new float[n];
    }

    private static double[] capacity(double[] array, int n) {
        return array.length >= n ? array : new double[n];
    }
}
