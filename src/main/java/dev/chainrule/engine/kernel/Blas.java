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
 * trip into libnd4j and kilobytes of Java garbage per call, many times what a small product itself costs
 * (bench/run.sh --micro: GemmMicro). OpenBLAS runs single-threaded; a large product is split into blocks of rows or
 * columns over the calling thread's share of the engine's threads ({@link ComputeThreads}).
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
        int lda = columns(a);
        int ldb = columns(b);
        int parts = parts(m, n, k, ComputeThreads.shareOfCurrentThread());
        if (parts == 1) {
            gemmBlock(type, ta, tb, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, n);
            return;
        }
        // blocks of c's rows (a's rows) or of its columns (b's columns), whichever c has more of
        boolean byRows = m >= n;
        int length = byRows ? m : n;
        ComputeThreads.runInParts(parts, part -> {
            int from = blockStart(length, parts, part);
            int size = blockStart(length, parts, part + 1) - from;
            if (byRows) {
                gemmBlock(type, ta, tb, size, n, k, alpha, a, transposeA ? from : (long) from * lda, lda,
                        b, 0, ldb, beta, c, (long) from * n, n);
            } else {
                gemmBlock(type, ta, tb, m, size, k, alpha, a, 0, lda,
                        b, transposeB ? (long) from * ldb : from, ldb, beta, c, from, n);
            }
        });
    }

    /**
     * How many blocks a product runs in: the thread's share, fewer when the smallest block would hold under
     * {@link #MIN_PART_WORK} multiply-adds. Handing a block to another thread costs microseconds; and a block that
     * small may take OpenBLAS's small-matrix path (under 100^3 on AVX-512 kernels), which rounds differently, so
     * a split run would no longer equal an unsplit one bit for bit.
     */
    static int parts(int m, int n, int k, int share) {
        int length = Math.max(m, n);
        long perRowOrColumn = (long) Math.min(m, n) * k;
        int parts = Math.min(share, (length + BLOCK_ALIGNMENT - 1) / BLOCK_ALIGNMENT);
        while (parts > 1 && smallestBlock(length, parts) * perRowOrColumn < MIN_PART_WORK) {
            parts--;
        }
        return Math.max(1, parts);
    }

    /** Where block {@code part} of {@code parts} starts: near-equal blocks, each boundary on {@link #BLOCK_ALIGNMENT}. */
    static int blockStart(int length, int parts, int part) {
        if (part >= parts) {
            return length;
        }
        long even = (long) length * part / parts;
        return (int) Math.min(length, (even + BLOCK_ALIGNMENT / 2) / BLOCK_ALIGNMENT * BLOCK_ALIGNMENT);
    }

    private static int smallestBlock(int length, int parts) {
        int smallest = Integer.MAX_VALUE;
        for (int p = 0; p < parts; p++) {
            smallest = Math.min(smallest, blockStart(length, parts, p + 1) - blockStart(length, parts, p));
        }
        return smallest;
    }

    /** The least multiply-adds worth a block of its own. */
    static final long MIN_PART_WORK = 1L << 21;
    /** Blocks start at multiples of this many rows or columns: whole tiles of OpenBLAS's kernels. */
    static final int BLOCK_ALIGNMENT = 16;

    /** One cblas_?gemm on sub-matrices starting the given number of elements into each array. */
    private static void gemmBlock(DataType type, int ta, int tb, int m, int n, int k, double alpha,
                                  INDArray a, long aStart, int lda, INDArray b, long bStart, int ldb,
                                  double beta, INDArray c, long cStart, int ldc) {
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, (float) alpha, floats(a, aStart), lda,
                    floats(b, bStart), ldb, (float) beta, floats(c, cStart), ldc);
        } else {
            openblas_nolapack.cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, doubles(a, aStart), lda,
                    doubles(b, bStart), ldb, beta, doubles(c, cStart), ldc);
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

    /**
     * y += alpha x over all elements (same length, both contiguous); a long vector in blocks over the calling thread's
     * share, each element computed as it would be whole.
     */
    public static void axpy(double alpha, INDArray x, INDArray y) {
        commonType(x, y, y);
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("axpy lengths differ: " + x.length() + " and " + y.length());
        }
        int n = Math.toIntExact(x.length());
        int parts = Math.max(1, Math.min(ComputeThreads.shareOfCurrentThread(), n / MIN_PART_ELEMENTS));
        if (parts == 1) {
            axpyBlock(alpha, x, y, 0, n);
            return;
        }
        ComputeThreads.runInParts(parts, part -> {
            int from = blockStart(n, parts, part);
            axpyBlock(alpha, x, y, from, blockStart(n, parts, part + 1) - from);
        });
    }

    /** The least elements worth a block of their own in an element-wise vector operation. */
    static final int MIN_PART_ELEMENTS = 1 << 15;

    private static void axpyBlock(double alpha, INDArray x, INDArray y, long from, int n) {
        if (x.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_saxpy(n, (float) alpha, floats(x, from), 1, floats(y, from), 1);
        } else {
            openblas_nolapack.cblas_daxpy(n, alpha, doubles(x, from), 1, doubles(y, from), 1);
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
        return floats(array, 0);
    }

    private static FloatPointer floats(INDArray array, long start) {
        Pointer base = array.data().pointer();
        long offset = array.offset() + start;
        // the buffer's own pointer when the array starts at its first element: no allocation per call
        return offset == 0 && base.position() == 0 && base instanceof FloatPointer p ? p
                : new FloatPointer(base).position(base.position() + offset);
    }

    private static DoublePointer doubles(INDArray array) {
        return doubles(array, 0);
    }

    private static DoublePointer doubles(INDArray array, long start) {
        Pointer base = array.data().pointer();
        long offset = array.offset() + start;
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
