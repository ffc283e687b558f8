package dev.chainrule.engine.layer;

import dev.chainrule.engine.Layer;
import dev.chainrule.engine.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z) = 1 / (1 + e^-z); diagonal Jacobian g'(z) = g(z)(1 - g(z)) (seed 001), applied as an element-wise
 * product. Seed 001 adds epsilon to this derivative for stability; here it is left out so that the gradient is
 * exactly the derivative of the forward pass (the gradient checks hold it to 1e-6), and the objectives carry
 * the epsilon instead.
 */
public final class LogisticActivation implements Layer {
    private final ReusedArray output = new ReusedArray();
    private final ReusedArray inputGradient = new ReusedArray();
    private INDArray h;

    @Override
    public INDArray forward(INDArray z) {
        h = output.get(z.dataType(), z.rows(), z.columns());
        Nd4j.exec(new Sigmoid(z, h));
        return h;
    }

    @Override
    public INDArray backward(INDArray delta, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        INDArray dz = inputGradient.get(delta.dataType(), delta.rows(), delta.columns());
        // delta * g * (1 - g), in place in the reused buffer
        dz.assign(h).rsubi(1.0).muli(h).muli(delta);
        return dz;
    }

    @Override
    public long outputWidth(long inputWidth) {
        return inputWidth;
    }
}
