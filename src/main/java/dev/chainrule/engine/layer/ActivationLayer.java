package dev.chainrule.engine.layer;

import dev.chainrule.engine.Layer;
import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.kernel.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every activation but the linear one shares: no parameters, an output as wide as the input, and two
 * reused buffers, h = g(z) and dJ/dz.
 *
 * <p>Each activation writes its rule twice over: once plainly, in whole-array operations that read like the
 * lectures (the reference, which float64 networks run and the gradient checks hold to numerical derivatives),
 * and once as a float32 loop for speed, which {@code ActivationFastPathTest} holds equal to the reference. Both
 * get contiguous row-major arrays (a view or column-major array is copied first).
 */
abstract class ActivationLayer implements Layer {
    private final ReusedArray output = new ReusedArray();
    private final ReusedArray inputGradient = new ReusedArray();
    private boolean lastForwardWasReference;

    @Override
    public final INDArray forward(INDArray z) {
        return forwardThrough(z, !Elements.isFloat(z));
    }

    @Override
    public final INDArray backward(INDArray delta, boolean needInputGradient) {
        return needInputGradient ? backwardThrough(delta, lastForwardWasReference) : null;
    }

    /** Forward through the reference or, for float32 only, the fast path (the tests compare the two). */
    final INDArray forwardThrough(INDArray z, boolean reference) {
        z = Blas.directlyUsable(z);
        INDArray h = output.get(z.dataType(), z.rows(), z.columns());
        lastForwardWasReference = reference;
        if (reference) {
            reference(z, h);
        } else {
            fast(z, h);
        }
        return h;
    }

    /** Backward through the path the last forward pass took. */
    final INDArray backwardThrough(INDArray delta, boolean reference) {
        delta = Blas.directlyUsable(delta);
        INDArray dz = inputGradient.get(delta.dataType(), delta.rows(), delta.columns());
        if (reference) {
            referenceBackward(delta, dz);
        } else {
            fastBackward(delta, dz);
        }
        return dz;
    }

    /** Writes g(z) into h in whole-array operations, keeping what backward needs (z itself, or h). */
    protected abstract void reference(INDArray z, INDArray h);

    /** Writes dJ/dz = delta times the Jacobian of g at the last forward pass into dz, in whole-array operations. */
    protected abstract void referenceBackward(INDArray delta, INDArray dz);

    /** {@link #reference} for float32 arrays, in one pass of Java loops. */
    protected abstract void fast(INDArray z, INDArray h);

    /** {@link #referenceBackward} for float32 arrays, in one pass of Java loops. */
    protected abstract void fastBackward(INDArray delta, INDArray dz);

    @Override
    public final long outputWidth(long inputWidth) {
        return inputWidth;
    }
}
