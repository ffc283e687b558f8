package dev.chainrule.engine.kernel;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.indexer.DoubleRawIndexer;
import org.bytedeco.javacpp.indexer.FloatRawIndexer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element access for the engine's own loops over an array's memory, through the raw indexer ND4J keeps with
 * every CPU buffer: no copy, no JNI call, no allocation. An element-wise ND4J op costs a JNI round trip and a
 * few native objects per call, more than the arithmetic at the widths of a minibatch, and several of them in
 * a row read the same memory several times; one Java loop does all of an activation's or a loss's work in a
 * pass.
 *
 * <p>Element i of a contiguous row-major matrix is row i / columns, column i % columns, and index i of its
 * indexer (for a row range of a larger matrix too).
 */
public final class Elements {
    private Elements() {
    }

    /** The float32 indexer of a contiguous row-major array (see {@link Blas#isDirectlyUsable}). */
    public static FloatRawIndexer floats(INDArray array) {
        check(array, DataType.FLOAT);
        // ND4J gives its CPU buffers raw (Unsafe) indexers; an array that starts inside its buffer gets its own
        if (array.offset() == 0 && array.data().indexer() instanceof FloatRawIndexer raw) {
            return raw;
        }
        Pointer base = array.data().pointer();
        long from = base.position() + array.offset();
        return new FloatRawIndexer(new FloatPointer(base).position(from).limit(from + array.length()));
    }

    /** The float64 indexer of a contiguous row-major array. */
    public static DoubleRawIndexer doubles(INDArray array) {
        check(array, DataType.DOUBLE);
        if (array.offset() == 0 && array.data().indexer() instanceof DoubleRawIndexer raw) {
            return raw;
        }
        Pointer base = array.data().pointer();
        long from = base.position() + array.offset();
        return new DoubleRawIndexer(new DoublePointer(base).position(from).limit(from + array.length()));
    }

    /**
     * Element i (row-major) of a float32 or float64 array that {@link Blas#isDirectlyUsable} (the caller checks
     * once), widened to double: for loops where brevity beats speed.
     */
    public static double get(INDArray array, long i) {
        if (array.offset() == 0) {
            if (array.data().indexer() instanceof FloatRawIndexer f) {
                return f.getRaw(i);
            }
            if (array.data().indexer() instanceof DoubleRawIndexer d) {
                return d.getRaw(i);
            }
        }
        return array.getDouble(i);
    }

    /** Whether the arrays are float32 (else float64: the engine computes in one or the other). */
    public static boolean isFloat(INDArray array) {
        return array.dataType() == DataType.FLOAT;
    }

    private static void check(INDArray array, DataType type) {
        if (array.dataType() != type || !Blas.isDirectlyUsable(array)) {
            throw new IllegalArgumentException("expected a contiguous row-major " + type + " array, got "
                    + array.dataType() + " " + java.util.Arrays.toString(array.shape()) + " order " + array.ordering());
        }
    }
}
