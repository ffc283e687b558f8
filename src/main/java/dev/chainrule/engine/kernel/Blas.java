package dev.chainrule.engine.kernel;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Matrix products and vector updates on ND4J arrays, calling the OpenBLAS that ND4J bundles directly on the
 * arrays' memory. {@code Nd4j.gemm} runs the same OpenBLAS routine behind an Mmul op: an op context, a JNI round
 * trip into libnd4j and ~4 KB of Java garbage per call, 10-60 us where a 128 x 10 x 10 product takes 0.5 us
 * (bench/results/*-engine*.md). The thread count is OpenBLAS's own, so {@link ComputeThreads} governs these
 * calls as it does ND4J's.
 *
 * <p>Every matrix is a contiguous row-major float32 or float64 matrix (a row range of one is fine), all of one
 * type; anything else is refused rather than silently copied.
 */
public final class Blas {
    private Blas() {
    }

    /** c = alpha op(a) op(b) + beta c, op being the transpose where asked; c is m x n. */
    public static void gemm(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray c,
                            double alpha, double beta) {
        DataType type = commonType(a, b, c);
        int m = rows(c);
        int n = columns(c);
        int k = transposeA ? rows(a) : columns(a);
        if ((transposeA ? columns(a) : rows(a)) != m || (transposeB ? columns(b) : rows(b)) != k
                || (transposeB ? rows(b) : columns(b)) != n) {
            throw new IllegalArgumentException("gemm shapes do not fit: " + shape(a) + (transposeA ? "^T" : "") + " x "
                    + shape(b) + (transposeB ? "^T" : "") + " -> " + shape(c));
        }
        int ta = transposeA ? CblasTrans : CblasNoTrans;
        int tb = transposeB ? CblasTrans : CblasNoTrans;
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, (float) alpha, floats(a), columns(a),
                    floats(b), columns(b), (float) beta, floats(c), n);
        } else {
            openblas_nolapack.cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, doubles(a), columns(a),
                    doubles(b), columns(b), beta, doubles(c), n);
        }
    }

    /**
     * y = alpha x a + beta y for a row vector x (1 x m) and a (m x n): the product of one row, which OpenBLAS
     * runs as a matrix-vector product instead of packing a for a GEMM. With {@code transposeA}, a is n x m and
     * y = alpha x a^T + beta y. x and y may be any contiguous arrays of the right lengths (rows or columns).
     */
    public static void rowTimesMatrix(INDArray x, INDArray a, boolean transposeA, INDArray y, double alpha, double beta) {
        DataType type = commonType(x, a, y);
        int m = transposeA ? columns(a) : rows(a);
        int n = transposeA ? rows(a) : columns(a);
        if (x.length() != m || y.length() != n) {
            throw new IllegalArgumentException("gemv shapes do not fit: " + shape(x) + " x " + shape(a)
                    + (transposeA ? "^T" : "") + " -> " + shape(y));
        }
        // row-major a (rows(a) x columns(a)): x a is a^T x, so the transposes swap
        int trans = transposeA ? CblasNoTrans : CblasTrans;
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemv(CblasRowMajor, trans, rows(a), columns(a), (float) alpha, floats(a), columns(a),
                    floats(x), 1, (float) beta, floats(y), 1);
        } else {
            openblas_nolapack.cblas_dgemv(CblasRowMajor, trans, rows(a), columns(a), alpha, doubles(a), columns(a),
                    doubles(x), 1, beta, doubles(y), 1);
        }
    }

    /** y += alpha x over all elements (same length, both contiguous). */
    public static void axpy(double alpha, INDArray x, INDArray y) {
        commonType(x, y, y);
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("axpy lengths differ: " + x.length() + " and " + y.length());
        }
        int n = Math.toIntExact(x.length());
        if (x.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_saxpy(n, (float) alpha, floats(x), 1, floats(y), 1);
        } else {
            openblas_nolapack.cblas_daxpy(n, alpha, doubles(x), 1, doubles(y), 1);
        }
    }

    /** y = x, element for element (same length, both contiguous). */
    public static void copy(INDArray x, INDArray y) {
        commonType(x, y, y);
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("copy lengths differ: " + x.length() + " and " + y.length());
        }
        int n = Math.toIntExact(x.length());
        if (x.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_scopy(n, floats(x), 1, floats(y), 1);
        } else {
            openblas_nolapack.cblas_dcopy(n, doubles(x), 1, doubles(y), 1);
        }
    }

    /** Whether BLAS and the element loops can read this array as it is: contiguous, row-major, float32 or float64. */
    public static boolean isDirectlyUsable(INDArray array) {
        DataType type = array.dataType();
        return (type == DataType.FLOAT || type == DataType.DOUBLE) && array.rank() <= 2
                && (array.length() == 1 || array.ordering() == 'c' && array.elementWiseStride() == 1);
    }

    /** The array itself when {@link #isDirectlyUsable}, else a contiguous row-major copy. */
    public static INDArray directlyUsable(INDArray array) {
        return isDirectlyUsable(array) ? array : array.dup('c');
    }

    private static DataType commonType(INDArray a, INDArray b, INDArray c) {
        DataType type = a.dataType();
        if (b.dataType() != type || c.dataType() != type) {
            throw new IllegalArgumentException("mixed data types: " + type + ", " + b.dataType() + ", " + c.dataType());
        }
        for (INDArray array : new INDArray[] {a, b, c}) {
            if (!isDirectlyUsable(array)) {
                throw new IllegalArgumentException("BLAS reads contiguous row-major FLOAT or DOUBLE arrays, got "
                        + array.dataType() + " " + shape(array) + " order " + array.ordering()
                        + " element stride " + array.elementWiseStride());
            }
        }
        return type;
    }

    private static FloatPointer floats(INDArray array) {
        Pointer base = array.data().pointer();
        long offset = array.offset();
        // the buffer's own pointer when the array starts at its first element: no allocation per call
        return offset == 0 && base.position() == 0 && base instanceof FloatPointer p ? p
                : new FloatPointer(base).position(base.position() + offset);
    }

    private static DoublePointer doubles(INDArray array) {
        Pointer base = array.data().pointer();
        long offset = array.offset();
        return offset == 0 && base.position() == 0 && base instanceof DoublePointer p ? p
                : new DoublePointer(base).position(base.position() + offset);
    }

    static int rows(INDArray array) {
        return array.rank() == 2 ? Math.toIntExact(array.rows()) : 1;
    }

    static int columns(INDArray array) {
        return array.rank() == 2 ? Math.toIntExact(array.columns()) : Math.toIntExact(array.length());
    }

    private static String shape(INDArray array) {
        return java.util.Arrays.toString(array.shape());
    }
}
