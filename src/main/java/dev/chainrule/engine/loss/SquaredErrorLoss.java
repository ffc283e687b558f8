package dev.chainrule.engine.loss;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.kernel.ReusedArray;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** J = sum_k (y_k - y-hat_k)^2 per row (seeds 001, 004); dJ/d(y-hat) = -2 (y - y-hat). One Java pass each. */
public final class SquaredErrorLoss implements Loss {
    private final ReusedArray gradient = new ReusedArray();

    @Override
    public double value(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        predicted = Blas.directlyUsable(predicted);
        target = Blas.directlyUsable(target);
        long n = predicted.length();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = Elements.get(target, i) - Elements.get(predicted, i);
            sum += d * d;
        }
        return sum / predicted.rows();
    }

    @Override
    public INDArray gradient(INDArray predicted, INDArray target) {
        Loss.checkShapes(predicted, target);
        predicted = Blas.directlyUsable(predicted);
        target = Loss.usableTarget(predicted, target);
        INDArray g = gradient.get(predicted.dataType(), predicted.rows(), predicted.columns());
        long n = predicted.length();
        // -2 (y - y-hat) / T = (2 / T) (y-hat - y)
        double scale = 2.0 / predicted.rows();
        if (Elements.isFloat(predicted)) {
            FloatRawIndexer p = Elements.floats(predicted);
            FloatRawIndexer y = Elements.floats(target);
            FloatRawIndexer gi = Elements.floats(g);
            float s = (float) scale;
            for (int i = 0; i < n; i++) {
                gi.putRaw(i, (p.getRaw(i) - y.getRaw(i)) * s);
            }
        } else {
            g.assign(reference(predicted, target));
        }
        return g;
    }

    /** -2 (y - y-hat) / T in whole-array operations: what float64 runs and the float32 loop is held to. */
    static INDArray reference(INDArray predicted, INDArray target) {
        return predicted.sub(target).muli(2.0 / predicted.rows());
    }

    @Override
    public LossKind kind() {
        return LossKind.SQUARED_ERROR;
    }
}
