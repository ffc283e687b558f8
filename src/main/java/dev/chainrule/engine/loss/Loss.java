package dev.chainrule.engine.loss;

import dev.chainrule.engine.kernel.Blas;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An objective function with the two methods of seed 001's "Modules": its value, and its gradient w.r.t.
 * the estimate y-hat. Both are the average over the T rows of a batch, Loss = 1/T sum_t J(y_t, y-hat_t)
 * (seed 002, "Total training loss"), so the gradient of row t carries the factor 1/T.
 *
 * <p>Implementations reuse their gradient buffer: the returned array is valid until the next call.
 */
public interface Loss {

    /** The mean over rows of the per-row objective J (summed over the row's outputs). */
    double value(INDArray predicted, INDArray target);

    /** d(mean J)/d(predicted), T x K. */
    INDArray gradient(INDArray predicted, INDArray target);

    /** The name a model definition uses. */
    LossKind kind();

    /** The stability constant inside a logarithm, checked: finite and >= 0. */
    static double checkEpsilon(double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
        }
        return epsilon;
    }

    /** The target as a contiguous row-major array of the prediction's type, for a loop over both. */
    static INDArray usableTarget(INDArray predicted, INDArray target) {
        return Blas.directlyUsable(target.dataType() == predicted.dataType() ? target : target.castTo(predicted.dataType()));
    }

    /** Rejects a target whose shape differs from the prediction's. */
    static void checkShapes(INDArray predicted, INDArray target) {
        if (predicted.rank() != 2 || !java.util.Arrays.equals(predicted.shape(), target.shape())) {
            throw new IllegalArgumentException("target shape " + java.util.Arrays.toString(target.shape())
                    + " does not match prediction shape " + java.util.Arrays.toString(predicted.shape()));
        }
    }
}
