package dev.chainrule.engine.loss;

import dev.chainrule.engine.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Categorical cross-entropy (seed 001): J = -sum_k y_k ln(y-hat_k + eps) per row, y a distribution (one-hot
 * for a class label); dJ/d(y-hat) = -y / (y-hat + eps).
 *
 * <p>After a softmax the chained gradient simplifies to -(e(l) - y-hat) (seed 004); the network uses that
 * fused form as its fast path (see {@link #fusedSoftmaxGradient}) and the tests hold it equal to this one
 * chained through the softmax Jacobian.
 */
public final class CrossEntropyLoss implements Loss {
    private final double epsilon;
    private final ReusedArray gradient = new ReusedArray();
    private final ReusedArray scratch = new ReusedArray();

    public CrossEntropyLoss(double epsilon) {
        this.epsilon = Loss.checkEpsilon(epsilon);
    }

    @Override
    public double value(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        INDArray a = scratch.get(predicted.dataType(), predicted.rows(), predicted.columns());
        Transforms.log(a.assign(predicted).addi(epsilon), false);
        return -Dot.of(a, target) / predicted.rows(); // -sum y ln(y-hat + eps) as one BLAS dot
    }

    @Override
    public INDArray gradient(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        INDArray g = gradient.get(predicted.dataType(), predicted.rows(), predicted.columns());
        return g.assign(predicted).addi(epsilon).rdivi(target).divi(-predicted.rows());
    }

    /**
     * The gradient w.r.t. the softmax's input z, softmax and cross-entropy taken together (seed 004):
     * dJ/dz = -(y - y-hat) / T. Exact for epsilon = 0; with epsilon > 0 the chained form differs by O(epsilon).
     */
    public INDArray fusedSoftmaxGradient(INDArray softmaxOutput, INDArray target) {
        Loss.checkShapes(softmaxOutput, target);
        INDArray g = gradient.get(softmaxOutput.dataType(), softmaxOutput.rows(), softmaxOutput.columns());
        return g.assign(softmaxOutput).subi(target).divi(softmaxOutput.rows());
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public LossKind kind() {
        return LossKind.CROSS_ENTROPY;
    }
}
