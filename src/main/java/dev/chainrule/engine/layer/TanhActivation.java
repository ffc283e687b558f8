package dev.chainrule.engine.layer;

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
        dz.assign(h).muli(h).rsubi(1.0).muli(delta); // delta * (1 - g^2), in place
    }
}
