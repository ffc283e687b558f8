package dev.chainrule.engine.layer;

import dev.chainrule.engine.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** g(z) = z. Its Jacobian is the identity (seed 001), so both passes hand their argument straight on. */
public final class LinearActivation implements Layer {

    @Override
    public INDArray forward(INDArray z) {
        return z;
    }

    @Override
    public INDArray backward(INDArray delta, boolean needInputGradient) {
        return needInputGradient ? delta : null;
    }

    @Override
    public long outputWidth(long inputWidth) {
        return inputWidth;
    }
}
