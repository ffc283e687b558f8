package dev.chainrule.engine.layer;

import dev.chainrule.engine.Elements;
import org.bytedeco.javacpp.indexer.DoubleRawIndexer;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z) = tanh(z); diagonal Jacobian g'(z) = 1 - g(z)^2 (seeds 001 and 004), applied element-wise. As for
 * the logistic, the lecture's "+ epsilon" on the derivative is left out so the gradient stays exact.
 */
public final class TanhActivation extends ActivationLayer {
    private INDArray h;

    @Override
    protected void apply(INDArray z, INDArray h) {
        this.h = h;
        Nd4j.exec(new Tanh(z, h));
    }

    @Override
    protected void backPropagate(INDArray delta, INDArray dz) {
        // delta * (1 - g^2) in one pass, the products in the order the ND4J ops had them
        long n = delta.length();
        if (Elements.isFloat(delta)) {
            FloatRawIndexer hi = Elements.floats(h);
            FloatRawIndexer di = Elements.floats(delta);
            FloatRawIndexer gi = Elements.floats(dz);
            for (int i = 0; i < n; i++) {
                float g = hi.getRaw(i);
                float d = di.getRaw(i);
                gi.putRaw(i, (1f - g * g) * d);
            }
        } else {
            DoubleRawIndexer hi = Elements.doubles(h);
            DoubleRawIndexer di = Elements.doubles(delta);
            DoubleRawIndexer gi = Elements.doubles(dz);
            for (int i = 0; i < n; i++) {
                double g = hi.getRaw(i);
                double d = di.getRaw(i);
                gi.putRaw(i, (1 - g * g) * d);
            }
        }
    }
}
