package dev.chainrule.engine.kernel;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A 2-D work array kept between calls: the training loop runs thousands of batches of one shape, and
 * allocating off-heap arrays for each of them costs more than the arithmetic at small widths. It is
 * reallocated only when the requested shape or type changes (e.g. the last, shorter batch of an epoch).
 */
public final class ReusedArray {
    private INDArray array;
    private boolean ones;

    /** Returns an array of exactly this shape and type; its contents are whatever was left there. */
    public INDArray get(DataType type, long rows, long columns) {
        if (array == null || array.dataType() != type || array.rows() != rows || array.columns() != columns) {
            array = Nd4j.create(type, new long[] {rows, columns}, 'c');
            ones = false;
        }
        return array;
    }

    /**
     * An array of this shape filled with ones, filled only when (re)allocated: a constant for sums written as
     * products (1^T delta is the bias gradient). Callers must not write into it.
     */
    public INDArray getOnes(DataType type, long rows, long columns) {
        INDArray result = get(type, rows, columns);
        if (!ones) {
            result.assign(1.0);
            ones = true;
        }
        return result;
    }
}
