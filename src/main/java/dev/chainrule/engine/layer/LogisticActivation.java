package dev.chainrule.engine.layer;

import dev.chainrule.engine.Elements;
import org.bytedeco.javacpp.indexer.DoubleRawIndexer;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z) = 1 / (1 + e^-z); diagonal Jacobian g'(z) = g(z)(1 - g(z)) (seed 001), applied as an element-wise
 * product. Seed 001 adds epsilon to this derivative for stability; here it is left out so that the gradient is
 * exactly the derivative of the forward pass (the gradient checks hold it to 1e-6), and the objectives carry
 * the epsilon instead.
 */
public final class LogisticActivation extends ActivationLayer {
    private INDArray h;

    @Override
    protected void apply(INDArray z, INDArray h) {
        this.h = h;
        Nd4j.exec(new Sigmoid(z, h));
    }

    @Override
    protected void backPropagate(INDArray delta, INDArray dz) {
        // delta * g * (1 - g) in one pass, the products in the order the ND4J ops had them
        long n = delta.length();
        if (Elements.isFloat(delta)) {
            FloatRawIndexer hi = Elements.floats(h);
            FloatRawIndexer di = Elements.floats(delta);
            FloatRawIndexer gi = Elements.floats(dz);
            for (int i = 0; i < n; i++) {
                float g = hi.getRaw(i);
                float d = di.getRaw(i);
                gi.putRaw(i, (1f - g) * g * d);
            }
        } else {
            DoubleRawIndexer hi = Elements.doubles(h);
            DoubleRawIndexer di = Elements.doubles(delta);
            DoubleRawIndexer gi = Elements.doubles(dz);
            for (int i = 0; i < n; i++) {
                double g = hi.getRaw(i);
                double d = di.getRaw(i);
                gi.putRaw(i, (1 - g) * g * d);
            }
        }
    }
}
