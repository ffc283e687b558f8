package dev.chainrule.engine.loss;

import dev.chainrule.engine.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

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
    private final ReusedArray positive = new ReusedArray();
    private final ReusedArray negative = new ReusedArray();
    private final ReusedArray complement = new ReusedArray();

    public LogLoss(double epsilon) {
        this.epsilon = Loss.checkEpsilon(epsilon);
    }

    @Override
    public double value(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        INDArray a = positive.get(predicted.dataType(), predicted.rows(), predicted.columns());
        INDArray b = negative.get(predicted.dataType(), predicted.rows(), predicted.columns());
        INDArray c = complement.get(predicted.dataType(), predicted.rows(), predicted.columns());
        c.assign(target).rsubi(1.0);                                                   // 1 - y
        Transforms.log(a.assign(predicted).addi(epsilon), false);                      // ln(y-hat + eps)
        Transforms.log(b.assign(predicted).rsubi(1.0 + epsilon), false);               // ln(1 - y-hat + eps)
        return -(Dot.of(a, target) + Dot.of(b, c)) / predicted.rows();
    }

    @Override
    public INDArray gradient(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        INDArray g = gradient.get(predicted.dataType(), predicted.rows(), predicted.columns());
        INDArray b = negative.get(predicted.dataType(), predicted.rows(), predicted.columns());
        INDArray c = complement.get(predicted.dataType(), predicted.rows(), predicted.columns());
        c.assign(target).rsubi(1.0);                                                   // 1 - y
        b.assign(predicted).rsubi(1.0 + epsilon).rdivi(c);                             // (1 - y) / (1 - y-hat + eps)
        g.assign(predicted).addi(epsilon).rdivi(target).negi();                        // -y / (y-hat + eps)
        return g.addi(b).divi(predicted.rows());
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public LossKind kind() {
        return LossKind.LOG_LOSS;
    }
}
