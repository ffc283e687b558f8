package dev.chainrule.engine.layer;

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
public final class SoftmaxActivation extends ActivationLayer {
    private final ReusedArray rowDot = new ReusedArray();
    private final ReusedArray ones = new ReusedArray();
    private INDArray h;

    @Override
    protected void apply(INDArray z, INDArray h) {
        this.h = h;
        // ND4J's softmax subtracts the row maximum first, so large logits do not overflow
        Nd4j.exec(new SoftMax(z, h, 1));
    }

    @Override
    protected void backPropagate(INDArray delta, INDArray dz) {
        INDArray column = ones.getOnes(delta.dataType(), delta.columns(), 1);
        INDArray dot = rowDot.get(delta.dataType(), delta.rows(), 1);
        dz.assign(delta).muli(h);
        Nd4j.gemm(dz, column, dot, false, false, 1.0, 0.0); // (delta . g) per row
        dz.assign(delta).subiColumnVector(dot).muli(h);
    }
}
