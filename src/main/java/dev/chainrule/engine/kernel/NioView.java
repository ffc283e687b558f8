package dev.chainrule.engine.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A java.nio view of one contiguous array's memory, for bulk copies between it and Java arrays (which Java
 * does without a JNI call, at memcpy speed). Making a view costs a JNI call, so this keeps the last one and
 * makes a new one only when asked about another array: a one-entry cache for a layer's input, output or
 * gradient, which stay the same arrays batch after batch.
 */
public final class NioView {
    private INDArray array;
    private FloatBuffer floats;
    private DoubleBuffer doubles;

    /** The float32 array's elements, element i at index i (for a row range too). */
    public FloatBuffer floats(INDArray matrix) {
        if (matrix != array || floats == null) {
            check(matrix, DataType.FLOAT);
            Pointer base = matrix.data().pointer();
            long from = base.position() + matrix.offset();
            floats = new FloatPointer(base).position(from).limit(from + matrix.length()).asBuffer();
            doubles = null;
            array = matrix;
        }
        return floats;
    }

    /** The float64 array's elements, element i at index i. */
    public DoubleBuffer doubles(INDArray matrix) {
        if (matrix != array || doubles == null) {
            check(matrix, DataType.DOUBLE);
            Pointer base = matrix.data().pointer();
            long from = base.position() + matrix.offset();
            doubles = new DoublePointer(base).position(from).limit(from + matrix.length()).asBuffer();
            floats = null;
            array = matrix;
        }
        return doubles;
    }

    /**
     * The contiguous row-major array's memory as bytes in the machine's order (a new view each call), or null when
     * it is not such an array or is past NIO's reach (2 GB).
     */
    public static ByteBuffer bytes(INDArray array) {
        long length = array.length() * array.dataType().width();
        if (!Blas.isDirectlyUsable(array) || length > Integer.MAX_VALUE) {
            return null;
        }
        Pointer base = array.data().pointer();
        long from = (base.position() + array.offset()) * array.dataType().width();
        return new BytePointer(base).position(from).limit(from + length).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    private static void check(INDArray matrix, DataType type) {
        if (matrix.dataType() != type || !Blas.isDirectlyUsable(matrix) || matrix.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("expected a contiguous row-major " + type + " array, got "
                    + matrix.dataType() + " " + java.util.Arrays.toString(matrix.shape()));
        }
    }
}
