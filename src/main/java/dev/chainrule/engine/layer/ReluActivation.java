package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.NioView;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * g(z) = max(0, z). Diagonal Jacobian, so backward is the element-wise product delta * g'(z) with the
 * subgradient of seed 001: g'(z) = 1 for z >= 0 and 0 for z < 0 (any value in [0, 1] is a valid subgradient
 * at 0, seed 002; the lecture picks 1).
 *
 * <p>The float32 path copies its input into a Java array in bulk, computes there and copies the result back: on a
 * Java array the JIT turns these branch-free loops into vector instructions, which a loop over native memory does
 * not get (bench/results). Forward keeps its copy of z for backward.
 */
public final class ReluActivation extends ActivationLayer {
    /**
     * (z * HUGE) * HUGE is +-infinity or NaN for any z != 0 (even the smallest subnormal), so
     * 1 - min(max(-z * HUGE * HUGE, 0), 1) is 1 for z >= 0, -0 included, and 0 for z < 0, without a branch.
     */
    private static final float HUGE = Float.MAX_VALUE;

    private final NioView zView = new NioView();
    private final NioView hView = new NioView();
    private final NioView deltaView = new NioView();
    private final NioView dzView = new NioView();
    private float[] zFloats = new float[0];
    private float[] work = new float[0];
    private INDArray z;

    @Override
    protected void reference(INDArray z, INDArray h) {
        this.z = z;
        h.assign(Transforms.max(z, 0.0, true)); // max(z, 0), element by element
    }

    @Override
    protected void referenceBackward(INDArray delta, INDArray dz) {
        dz.assign(z.gte(0).castTo(delta.dataType()).muli(delta)); // g'(z) = 1 for z >= 0, else 0
    }

    @Override
    protected void fast(INDArray z, INDArray h) {
        int n = (int) z.length();
        float[] zs = zFloats = capacity(zFloats, n);
        float[] hs = work = capacity(work, n);
        zView.floats(z).get(0, zs, 0, n);
        for (int i = 0; i < n; i++) {
            hs[i] = Math.max(zs[i], 0f); // a NaN stays NaN, so divergence still shows
        }
        hView.floats(h).put(0, hs, 0, n);
    }

    @Override
    protected void fastBackward(INDArray delta, INDArray dz) {
        int n = (int) delta.length();
        float[] zs = zFloats;
        float[] d = work = capacity(work, n);
        deltaView.floats(delta).get(0, d, 0, n);
        for (int i = 0; i < n; i++) {
            d[i] *= 1f - Math.min(Math.max(-zs[i] * HUGE * HUGE, 0f), 1f);
        }
        dzView.floats(dz).put(0, d, 0, n);
    }

    private static float[] capacity(float[] array, int n) {
        return array.length >= n ? array : new float[n];
    }
}
