package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.kernel.FloatExponential;
import dev.chainrule.engine.kernel.NioView;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * g(z)_j = e^(z_j) / sum_i e^(z_i), per row. Unlike the other activations its Jacobian is full (seed 001):
 * dg_j/dz_i = g_i ((i == j) - g_j), i.e. J = diag(g) - g^T g for each row. Backward applies it without
 * building the K x K matrix: delta J = g * delta - (delta . g) g = g * (delta - (delta . g)), one row-dot and
 * one element-wise pass per row.
 *
 * <p>Forward subtracts each row's maximum before exponentiating, so large logits do not overflow (the result
 * is the same: the factor e^-max cancels). The float32 path works on a bulk copy of the logits in a Java array
 * with {@link FloatExponential}, sums in double and takes one reciprocal per row.
 */
public final class SoftmaxActivation extends ActivationLayer {
    private final NioView zView = new NioView();
    private final NioView hView = new NioView();
    private float[] work = new float[0];
    private INDArray h;

    @Override
    protected void reference(INDArray z, INDArray h) {
        this.h = h;
        INDArray e = Transforms.exp(z.subColumnVector(z.max(1).reshape(z.rows(), 1)), false);
        h.assign(e.diviColumnVector(e.sum(1).reshape(z.rows(), 1)));
    }

    @Override
    protected void referenceBackward(INDArray delta, INDArray dz) {
        // g * (delta - (delta . g)), row by row
        INDArray dot = delta.mul(h).sum(1).reshape(delta.rows(), 1);
        dz.assign(delta.subColumnVector(dot).muli(h));
    }

    @Override
    protected void fast(INDArray z, INDArray h) {
        this.h = h;
        int rows = (int) z.rows();
        int k = (int) z.columns();
        int n = rows * k;
        float[] values = work = work.length >= n ? work : new float[n];
        zView.floats(z).get(0, values, 0, n);
        for (int r = 0; r < rows; r++) {
            int from = r * k;
            int to = from + k;
            float max = values[from];
            for (int i = from + 1; i < to; i++) {
                max = Math.max(max, values[i]); // Math.max keeps a NaN, which then spreads to the row
            }
            double sum = 0;
            for (int i = from; i < to; i++) {
                float e = FloatExponential.exp(values[i] - max);
                values[i] = e;
                sum += e;
            }
            double inverse = 1 / sum;
            for (int i = from; i < to; i++) {
                values[i] = (float) (values[i] * inverse);
            }
        }
        hView.floats(h).put(0, values, 0, n);
    }

    @Override
    protected void fastBackward(INDArray delta, INDArray dz) {
        int rows = (int) delta.rows();
        int k = (int) delta.columns();
        FloatRawIndexer hi = Elements.floats(h);
        FloatRawIndexer di = Elements.floats(delta);
        FloatRawIndexer gi = Elements.floats(dz);
        for (int r = 0; r < rows; r++) {
            long row = (long) r * k;
            double dot = 0; // delta . g for this row
            for (int j = 0; j < k; j++) {
                dot += (double) di.getRaw(row + j) * hi.getRaw(row + j);
            }
            for (int j = 0; j < k; j++) {
                gi.putRaw(row + j, (float) (hi.getRaw(row + j) * (di.getRaw(row + j) - dot)));
            }
        }
    }
}
