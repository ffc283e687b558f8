package dev.chainrule.engine.layer;

import dev.chainrule.engine.Elements;
import org.bytedeco.javacpp.indexer.DoubleRawIndexer;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z) = max(0, z). Diagonal Jacobian, so backward is the element-wise product delta * g'(z) with the
 * subgradient of seed 001: g'(z) = 1 for z >= 0 and 0 for z < 0 (any value in [0, 1] is a valid subgradient
 * at 0, seed 002; the lecture picks 1).
 *
 * <p>Two ways to the same numbers, by size. A large batch goes through ND4J's vectorised ops (~7 us for
 * 128 x 256, of which a few are the op's own cost); a small one (a single prediction, a small model) through a
 * Java loop, which takes ~1 ns per element and has no per-call cost (bench/results).
 */
public final class ReluActivation extends ActivationLayer {
    /** Elements from which ND4J's ops beat the Java loop (measured crossover ~4000 on the benchmark machine). */
    static final long NATIVE_FROM = 4096;

    private INDArray z;

    @Override
    protected void apply(INDArray z, INDArray h) {
        this.z = z;
        long n = z.length();
        if (n >= NATIVE_FROM) {
            Nd4j.exec(new RectifiedLinear(z, h, 0.0));
            return;
        }
        // Math.max keeps a NaN (so divergence still shows) and, unlike a branch, costs the same on any data
        if (Elements.isFloat(z)) {
            FloatRawIndexer zi = Elements.floats(z);
            FloatRawIndexer hi = Elements.floats(h);
            for (int i = 0; i < n; i++) {
                hi.putRaw(i, Math.max(zi.getRaw(i), 0f));
            }
        } else {
            DoubleRawIndexer zi = Elements.doubles(z);
            DoubleRawIndexer hi = Elements.doubles(h);
            for (int i = 0; i < n; i++) {
                hi.putRaw(i, Math.max(zi.getRaw(i), 0.0));
            }
        }
    }

    @Override
    protected void backPropagate(INDArray delta, INDArray dz) {
        long n = delta.length();
        if (n >= NATIVE_FROM) {
            // Step is "z > cutoff"; the largest negative subnormal as cutoff makes it "z >= 0", -0 included
            double cutoff = z.dataType() == DataType.DOUBLE ? -Double.MIN_VALUE : -Float.MIN_VALUE;
            Nd4j.exec(new Step(z, dz, cutoff));
            dz.muli(delta);
            return;
        }
        // the same step(z) * delta without a branch: z + 0 turns -0.0 into +0.0, then the sign bit says z < 0
        if (Elements.isFloat(delta)) {
            FloatRawIndexer zi = Elements.floats(z);
            FloatRawIndexer di = Elements.floats(delta);
            FloatRawIndexer gi = Elements.floats(dz);
            for (int i = 0; i < n; i++) {
                float step = 1 - (Float.floatToRawIntBits(zi.getRaw(i) + 0f) >>> 31);
                gi.putRaw(i, step * di.getRaw(i));
            }
        } else {
            DoubleRawIndexer zi = Elements.doubles(z);
            DoubleRawIndexer di = Elements.doubles(delta);
            DoubleRawIndexer gi = Elements.doubles(dz);
            for (int i = 0; i < n; i++) {
                double step = 1 - (Double.doubleToRawLongBits(zi.getRaw(i) + 0.0) >>> 63);
                gi.putRaw(i, step * di.getRaw(i));
            }
        }
    }
}
