package dev.chainrule.engine.loss;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.kernel.ReusedArray;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Categorical cross-entropy (seed 001): J = -sum_k y_k ln(y-hat_k + eps) per row, y a distribution (one-hot
 * for a class label); dJ/d(y-hat) = -y / (y-hat + eps).
 *
 * <p>After a softmax the chained gradient simplifies to -(e(l) - y-hat) (seed 004); the network uses that
 * fused form as its fast path (see {@link #fusedSoftmaxGradient}) and the tests hold it equal to this one
 * chained through the softmax Jacobian.
 *
 * <p>Each method is one Java pass over the batch (see {@link Elements}). Terms with y_k = 0 are skipped in the
 * value: they are 0 whatever y-hat_k is (0 ln 0 taken as 0, so an output that underflowed to 0 for a class
 * the row is not does not turn the loss into NaN when eps is 0).
 */
public final class CrossEntropyLoss implements Loss {
    private final double epsilon;
    private final ReusedArray gradient = new ReusedArray();

    public CrossEntropyLoss(double epsilon) {
        this.epsilon = Loss.checkEpsilon(epsilon);
    }

    @Override
    public double value(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        predicted = Blas.directlyUsable(predicted);
        target = Blas.directlyUsable(target);
        long n = predicted.length();
        double sum = 0;
        if (Elements.isFloat(predicted) && Elements.isFloat(target)) {
            FloatRawIndexer p = Elements.floats(predicted);
            FloatRawIndexer y = Elements.floats(target);
            for (int i = 0; i < n; i++) {
                float yi = y.getRaw(i);
                if (yi != 0) {
                    sum += yi * Math.log(p.getRaw(i) + epsilon);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                double yi = Elements.get(target, i);
                if (yi != 0) {
                    sum += yi * Math.log(Elements.get(predicted, i) + epsilon);
                }
            }
        }
        return -sum / predicted.rows();
    }

    @Override
    public INDArray gradient(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        predicted = Blas.directlyUsable(predicted);
        target = Loss.usableTarget(predicted, target);
        INDArray g = gradient.get(predicted.dataType(), predicted.rows(), predicted.columns());
        long n = predicted.length();
        long rows = predicted.rows();
        if (Elements.isFloat(predicted)) {
            FloatRawIndexer p = Elements.floats(predicted);
            FloatRawIndexer y = Elements.floats(target);
            FloatRawIndexer gi = Elements.floats(g);
            float eps = (float) epsilon;
            for (int i = 0; i < n; i++) {
                gi.putRaw(i, y.getRaw(i) / (p.getRaw(i) + eps) / -rows);
            }
        } else {
            g.assign(reference(predicted, target, epsilon));
        }
        return g;
    }

    /**
     * The gradient w.r.t. the softmax's input z, softmax and cross-entropy taken together (seed 004):
     * dJ/dz = -(y - y-hat) / T. Exact for epsilon = 0; with epsilon > 0 the chained form differs by O(epsilon).
     */
    public INDArray fusedSoftmaxGradient(INDArray softmaxOutput, INDArray target) {
        Loss.checkShapes(softmaxOutput, target);
        INDArray predicted = Blas.directlyUsable(softmaxOutput);
        target = Loss.usableTarget(predicted, target);
        INDArray g = gradient.get(predicted.dataType(), predicted.rows(), predicted.columns());
        long n = predicted.length();
        long rows = predicted.rows();
        if (Elements.isFloat(predicted)) {
            FloatRawIndexer p = Elements.floats(predicted);
            FloatRawIndexer y = Elements.floats(target);
            FloatRawIndexer gi = Elements.floats(g);
            for (int i = 0; i < n; i++) {
                gi.putRaw(i, (p.getRaw(i) - y.getRaw(i)) / rows);
            }
        } else {
            g.assign(fusedReference(predicted, target));
        }
        return g;
    }

    /** -y / (y-hat + eps) / T in whole-array operations: what float64 runs and the float32 loop is held to. */
    static INDArray reference(INDArray predicted, INDArray target, double epsilon) {
        return target.div(predicted.add(epsilon)).divi(-predicted.rows());
    }

    /** -(y - y-hat) / T in whole-array operations. */
    static INDArray fusedReference(INDArray softmaxOutput, INDArray target) {
        return softmaxOutput.sub(target).divi(softmaxOutput.rows());
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public LossKind kind() {
        return LossKind.CROSS_ENTROPY;
    }
}
