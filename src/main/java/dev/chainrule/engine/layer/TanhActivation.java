package dev.chainrule.engine.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z) = tanh(z); diagonal Jacobian g'(z) = 1 - g(z)^2 (seeds 001 and 004), applied element-wise. As for
 * the logistic, the lecture's "+ epsilon" on the derivative is left out so the gradient stays exact.
 */
public final class TanhActivation extends OutputSlopeActivation {

    @Override
    protected void compute(INDArray z, INDArray h) {
        Nd4j.exec(new Tanh(z, h));
    }

    /** 1 - g^2. */
    @Override
    protected INDArray slope(INDArray g) {
        return g.mul(g).rsubi(1);
    }

    @Override
    protected float slope(float g) {
        return 1f - g * g;
    }
}
