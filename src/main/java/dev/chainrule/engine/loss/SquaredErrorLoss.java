package dev.chainrule.engine.loss;

import dev.chainrule.engine.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;

/** J = sum_k (y_k - y-hat_k)^2 per row (seeds 001, 004); dJ/d(y-hat) = -2 (y - y-hat). */
public final class SquaredErrorLoss implements Loss {
    private final ReusedArray gradient = new ReusedArray();
    private final ReusedArray scratch = new ReusedArray();

    @Override
    public double value(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        INDArray diff = scratch.get(predicted.dataType(), predicted.rows(), predicted.columns());
        diff.assign(target).subi(predicted);
        return Dot.of(diff, diff) / predicted.rows();
    }

    @Override
    public INDArray gradient(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        INDArray g = gradient.get(predicted.dataType(), predicted.rows(), predicted.columns());
        // -2 (y - y-hat) / T = (2 / T) (y-hat - y)
        return g.assign(predicted).subi(target).muli(2.0 / predicted.rows());
    }

    @Override
    public LossKind kind() {
        return LossKind.SQUARED_ERROR;
    }
}
