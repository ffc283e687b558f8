package dev.chainrule.engine.layer;

import dev.chainrule.engine.Layer;
import dev.chainrule.engine.ReusedArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z) = max(0, z). Diagonal Jacobian, so backward is the element-wise product delta * g'(z) with the
 * subgradient of seed 001: g'(z) = 1 for z >= 0 and 0 for z < 0 (any value in [0, 1] is a valid subgradient
 * at 0, seed 002; the lecture picks 1).
 */
public final class ReluActivation implements Layer {
    private final ReusedArray output = new ReusedArray();
    private final ReusedArray inputGradient = new ReusedArray();
    private INDArray input;

    @Override
    public INDArray forward(INDArray z) {
        input = z;
        INDArray h = output.get(z.dataType(), z.rows(), z.columns());
        Nd4j.exec(new RectifiedLinear(z, h, 0.0));
        return h;
    }

    @Override
    public INDArray backward(INDArray delta, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        INDArray dz = inputGradient.get(delta.dataType(), delta.rows(), delta.columns());
        // Step is "z > cutoff"; the largest negative subnormal as cutoff makes it "z >= 0", -0 included
        double cutoff = input.dataType() == DataType.DOUBLE ? -Double.MIN_VALUE : -Float.MIN_VALUE;
        Nd4j.exec(new Step(input, dz, cutoff));
        dz.muli(delta);
        return dz;
    }

    @Override
    public long outputWidth(long inputWidth) {
        return inputWidth;
    }
}
