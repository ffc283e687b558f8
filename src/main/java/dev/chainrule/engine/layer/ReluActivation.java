package dev.chainrule.engine.layer;

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
public final class ReluActivation extends ActivationLayer {
    private INDArray z;

    @Override
    protected void apply(INDArray z, INDArray h) {
        this.z = z;
        Nd4j.exec(new RectifiedLinear(z, h, 0.0));
    }

    @Override
    protected void backPropagate(INDArray delta, INDArray dz) {
        // Step is "z > cutoff"; the largest negative subnormal as cutoff makes it "z >= 0", -0 included
        double cutoff = z.dataType() == DataType.DOUBLE ? -Double.MIN_VALUE : -Float.MIN_VALUE;
        Nd4j.exec(new Step(z, dz, cutoff));
        dz.muli(delta);
    }
}
