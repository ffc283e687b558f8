package dev.chainrule.engine.layer;

import dev.chainrule.engine.Layer;
import dev.chainrule.engine.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z) = tanh(z); diagonal Jacobian g'(z) = 1 - g(z)^2 (seeds 001 and 004), applied element-wise. As for
 * the logistic, the lecture's "+ epsilon" on the derivative is left out so the gradient stays exact.
 */
public final class TanhActivation implements Layer {
    private final ReusedArray output = new ReusedArray();
    private final ReusedArray inputGradient = new ReusedArray();
    private INDArray h;

    @Override
    public INDArray forward(INDArray z) {
        h = output.get(z.dataType(), z.rows(), z.columns());
        Nd4j.exec(new Tanh(z, h));
        return h;
    }

    @Override
    public INDArray backward(INDArray delta, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        INDArray dz = inputGradient.get(delta.dataType(), delta.rows(), delta.columns());
        dz.assign(h).muli(h).rsubi(1.0).muli(delta);
        return dz;
    }

    @Override
    public long outputWidth(long inputWidth) {
        return inputWidth;
    }
}
