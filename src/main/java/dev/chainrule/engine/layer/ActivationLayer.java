package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.Layer;
import dev.chainrule.engine.kernel.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every activation but the linear one shares: no parameters, an output as wide as the input, and two
 * reused buffers, h = g(z) and dJ/dz. Subclasses say how to compute g and how delta goes back through it;
 * both get contiguous row-major arrays (a view or column-major array is copied first).
 */
abstract class ActivationLayer implements Layer {
    private final ReusedArray output = new ReusedArray();
    private final ReusedArray inputGradient = new ReusedArray();

    @Override
    public final INDArray forward(INDArray z) {
        z = Blas.directlyUsable(z);
        INDArray h = output.get(z.dataType(), z.rows(), z.columns());
        apply(z, h);
        return h;
    }

    @Override
    public final INDArray backward(INDArray delta, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        delta = Blas.directlyUsable(delta);
        INDArray dz = inputGradient.get(delta.dataType(), delta.rows(), delta.columns());
        backPropagate(delta, dz);
        return dz;
    }

    /** Writes g(z) into h, keeping whatever backward will need (z itself, or h). */
    protected abstract void apply(INDArray z, INDArray h);

    /** Writes dJ/dz = delta times the Jacobian of g at the last forward pass into dz. */
    protected abstract void backPropagate(INDArray delta, INDArray dz);

    @Override
    public final long outputWidth(long inputWidth) {
        return inputWidth;
    }
}
