package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.Elements;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An activation whose derivative is a function of its own output (logistic: g (1 - g); tanh: 1 - g^2), so
 * backward needs only the output it kept: dJ/dz = g'(g) * delta element by element.
 */
abstract class OutputSlopeActivation extends ActivationLayer {
    private INDArray h;

    @Override
    protected final void reference(INDArray z, INDArray h) {
        this.h = h;
        compute(z, h);
    }

    @Override
    protected final void fast(INDArray z, INDArray h) {
        reference(z, h); // g itself is one native op either way
    }

    /** Writes g(z) into h. */
    protected abstract void compute(INDArray z, INDArray h);

    /** g'(z) as whole arrays, from g = g(z). */
    protected abstract INDArray slope(INDArray g);

    /** g'(z) from g = g(z), one float32 element. */
    protected abstract float slope(float g);

    @Override
    protected final void referenceBackward(INDArray delta, INDArray dz) {
        dz.assign(slope(h).muli(delta));
    }

    @Override
    protected final void fastBackward(INDArray delta, INDArray dz) {
        long n = delta.length();
        FloatRawIndexer hi = Elements.floats(h);
        FloatRawIndexer di = Elements.floats(delta);
        FloatRawIndexer gi = Elements.floats(dz);
        for (int i = 0; i < n; i++) {
            gi.putRaw(i, slope(hi.getRaw(i)) * di.getRaw(i));
        }
    }
}
