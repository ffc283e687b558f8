package dev.chainrule.engine.loss;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.kernel.ReusedArray;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The log loss of seed 001 for y in {0, 1} and y-hat the probability of class 1, with the stability
 * constant inside the logarithms: J = -(y ln(y-hat + eps) + (1 - y) ln(1 - y-hat + eps)), summed over the
 * row's outputs (one per independent binary target).
 *
 * <p>The gradient is the exact derivative of that J: -y / (y-hat + eps) + (1 - y) / (1 - y-hat + eps). With
 * eps = 0 it equals the lecture's -(y - y-hat) / (y-hat (1 - y-hat)); the lecture's version moves eps to the
 * denominator, which would no longer be the derivative of the value this class reports.
 */
public final class LogLoss implements Loss {
    private final double epsilon;
    private final ReusedArray gradient = new ReusedArray();

    public LogLoss(double epsilon) {
        this.epsilon = Loss.checkEpsilon(epsilon);
    }

    @Override
    public double value(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        predicted = Blas.directlyUsable(predicted);
        target = Blas.directlyUsable(target);
        long n = predicted.length();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double y = Elements.get(target, i);
            double p = Elements.get(predicted, i);
            // a term whose weight is 0 is 0, even where its logarithm is not finite (eps = 0)
            if (y != 0) {
                sum += y * Math.log(p + epsilon);
            }
            if (y != 1) {
                sum += (1 - y) * Math.log(1 - p + epsilon);
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
        // float32 in one pass, else the reference below
        if (Elements.isFloat(predicted)) {
            FloatRawIndexer p = Elements.floats(predicted);
            FloatRawIndexer y = Elements.floats(target);
            FloatRawIndexer gi = Elements.floats(g);
            float eps = (float) epsilon;
            float onePlusEps = (float) (1.0 + epsilon);
            for (int i = 0; i < n; i++) {
                float yi = y.getRaw(i);
                float pi = p.getRaw(i);
                float negative = (1f - yi) / (onePlusEps - pi);
                float positive = -(yi / (pi + eps));
                gi.putRaw(i, (positive + negative) / rows);
            }
        } else {
            g.assign(reference(predicted, target, epsilon));
        }
        return g;
    }

    /** (-y / (y-hat + eps) + (1 - y) / (1 - y-hat + eps)) / T in whole-array operations. */
    static INDArray reference(INDArray predicted, INDArray target, double epsilon) {
        INDArray negative = target.rsub(1).divi(predicted.rsub(1 + epsilon));
        INDArray positive = target.div(predicted.add(epsilon)).negi();
        return positive.addi(negative).divi(predicted.rows());
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public LossKind kind() {
        return LossKind.LOG_LOSS;
    }
}
