package dev.chainrule.engine.layer;

import dev.chainrule.engine.Layer;
import dev.chainrule.engine.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g(z)_j = e^(z_j) / sum_i e^(z_i), per row. Unlike the other activations its Jacobian is full (seed 001):
 * dg_j/dz_i = g_i ((i == j) - g_j), i.e. J = diag(g) - g^T g for each row. Backward applies it without
 * building the K x K matrix: delta J = g * delta - (delta . g) g = g * (delta - (delta . g)), one row-sum
 * and two element-wise passes over the batch.
 */
public final class SoftmaxActivation implements Layer {
    private final ReusedArray output = new ReusedArray();
    private final ReusedArray inputGradient = new ReusedArray();
    private final ReusedArray rowDot = new ReusedArray();
    private final ReusedArray ones = new ReusedArray();
    private INDArray h;

    @Override
    public INDArray forward(INDArray z) {
        h = output.get(z.dataType(), z.rows(), z.columns());
        // ND4J's softmax subtracts the row maximum first, so large logits do not overflow
        Nd4j.exec(new SoftMax(z, h, 1));
        return h;
    }

    @Override
    public INDArray backward(INDArray delta, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        INDArray dz = inputGradient.get(delta.dataType(), delta.rows(), delta.columns());
        INDArray column = ones.get(delta.dataType(), delta.columns(), 1);
        if (column.getDouble(0) != 1.0) {
            column.assign(1.0);
        }
        INDArray dot = rowDot.get(delta.dataType(), delta.rows(), 1);
        dz.assign(delta).muli(h);
        Nd4j.gemm(dz, column, dot, false, false, 1.0, 0.0); // (delta . g) per row
        dz.assign(delta).subiColumnVector(dot).muli(h);
        return dz;
    }

    /** The output of the last forward pass (the predicted distribution per row). */
    public INDArray lastOutput() {
        return h;
    }

    @Override
    public long outputWidth(long inputWidth) {
        return inputWidth;
    }
}
