package dev.chainrule.engine.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z) = 1 / (1 + e^-z); diagonal Jacobian g'(z) = g(z)(1 - g(z)) (seed 001), applied as an element-wise
 * product. Seed 001 adds epsilon to this derivative for stability; here it is left out so that the gradient is
 * exactly the derivative of the forward pass (the gradient checks hold it to 1e-6), and the objectives carry
 * the epsilon instead.
 */
public final class LogisticActivation extends OutputSlopeActivation {

    @Override
    protected void compute(INDArray z, INDArray h) {
        Nd4j.exec(new Sigmoid(z, h));
    }

    /** g (1 - g). */
    @Override
    protected INDArray slope(INDArray g) {
        return g.rsub(1).muli(g);
    }

    @Override
    protected float slope(float g) {
        return (1f - g) * g; // the products in the reference's order
    }
}
