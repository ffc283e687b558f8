package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.Elements;
import org.bytedeco.javacpp.indexer.DoubleRawIndexer;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An activation whose derivative is a function of its own output (logistic: g (1 - g); tanh: 1 - g^2), so
 * backward needs only the output it kept: dJ/dz = g'(g) * delta element by element, one pass.
 */
abstract class OutputSlopeActivation extends ActivationLayer {
    private INDArray h;

    @Override
    protected final void apply(INDArray z, INDArray h) {
        this.h = h;
        compute(z, h);
    }

    /** Writes g(z) into h. */
    protected abstract void compute(INDArray z, INDArray h);

    /** g'(z) from g = g(z), float32. */
    protected abstract float slope(float g);

    /** g'(z) from g = g(z), float64. */
    protected abstract double slope(double g);

    @Override
    protected final void backPropagate(INDArray delta, INDArray dz) {
        long n = delta.length();
        if (Elements.isFloat(delta)) {
            FloatRawIndexer hi = Elements.floats(h);
            FloatRawIndexer di = Elements.floats(delta);
            FloatRawIndexer gi = Elements.floats(dz);
            for (int i = 0; i < n; i++) {
                gi.putRaw(i, slope(hi.getRaw(i)) * di.getRaw(i));
            }
        } else {
            DoubleRawIndexer hi = Elements.doubles(h);
            DoubleRawIndexer di = Elements.doubles(delta);
            DoubleRawIndexer gi = Elements.doubles(dz);
            for (int i = 0; i < n; i++) {
                gi.putRaw(i, slope(hi.getRaw(i)) * di.getRaw(i));
            }
        }
    }
}
