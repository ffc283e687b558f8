package dev.chainrule.engine.model;

import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The first fully connected layer's output for rows of raw inputs that are mostly exact zeros (an image's
 * background, one-hot codes), reading only the weight rows of each row's inputs that are not zero.
 *
 * <p>The layer is affine, so with the standardisation z = (x - mean) / std folded in (seed 002, the fully connected
 * layer's forward pass):
 * <pre>  z W + b = (c W + b) + (z - c) W</pre>
 * where c is what standardisation makes of an all-zero row. z - c is exactly zero wherever the raw input is zero,
 * so only those rows of W take part: about a fifth of them for an MNIST digit. A single-row predict otherwise
 * streams all of W (0.8 MB for 784 x 256) through the core's caches, which cost the service more than the
 * arithmetic (bench/results/2026-11-22-speed-notes.md, fifth session). For a batch it is less arithmetic: a fifth of
 * the dense product's multiply-adds, though at a fraction of the GEMM's speed per term ({@link #BATCH_DENSITY}).
 *
 * <p>The sum runs in another order than the BLAS's dense product, so an output may differ from the dense path's in
 * its last bits (as a row predicted alone already may from the same row in a batch: sgemv against sgemm).
 * Built from a version's weights, which never change; one instance serves any number of threads.
 */
public final class SparseRowForward {
    /** Larger first layers keep the dense path rather than a heap copy of their weights (this many floats). */
    static final long MAX_COPIED_WEIGHTS = 1L << 21;
    /** Inputs narrower than this are cheap to multiply densely. */
    static final int MIN_INPUT_WIDTH = 32;
    /**
     * A batch takes this path when at most this fraction of its inputs, over OpenBLAS's thread count, are nonzero: on
     * one thread the sums over nonzero rows of W ran at about a third of the dense GEMM's speed per term (MNIST's 18%
     * nonzero pixels took 0.6x its time; bench/results/2026-12-06-predict-path-notes.md).
     */
    static final double BATCH_DENSITY = 0.25;
    /** How many of a batch's first rows {@link #pays} counts. */
    static final int SAMPLED_ROWS = 8;

    private final int inputWidth;
    private final int outputWidth;
    /**
     * Row i holds input i's weights. An array per row, not one inputWidth x outputWidth array: Java 17's JIT
     * vectorises {@code out[j] += s * w[j]} but not {@code out[j] += s * w[row + j]} (several times faster a value).
     */
    private final float[][] weights;
    /** c W + b, summed in float64 and rounded once. */
    private final float[] zeroRowOutput;
    /** c: the standardised value of a raw 0 per input, as float32 standardisation computes it (0 without). */
    private final float[] zeroRowInput;
    private final float[] mean;
    private final float[] std;
    /** The most nonzero inputs for which reading their rows beats the dense product. */
    private final int maxNonZero;

    private SparseRowForward(FullyConnectedLayer first, float[] mean, float[] std) {
        this.inputWidth = first.inputWidth();
        this.outputWidth = first.outputWidth();
        this.weights = new float[inputWidth][outputWidth];
        FloatBuffer all = new NioView().floats(first.weights());
        for (int i = 0; i < inputWidth; i++) {
            all.get(i * outputWidth, weights[i], 0, outputWidth);
        }
        float[] bias = new float[outputWidth];
        new NioView().floats(first.bias()).get(0, bias, 0, outputWidth);
        this.mean = mean;
        this.std = std;
        this.zeroRowInput = new float[inputWidth];
        if (mean != null) {
            for (int i = 0; i < inputWidth; i++) {
                zeroRowInput[i] = (0f - mean[i]) / std[i];
            }
        }
        double[] sum = new double[outputWidth];
        for (int j = 0; j < outputWidth; j++) {
            sum[j] = bias[j];
        }
        for (int i = 0; i < inputWidth; i++) {
            double c = zeroRowInput[i];
            if (c != 0) {
                for (int j = 0; j < outputWidth; j++) {
                    sum[j] += c * weights[i][j];
                }
            }
        }
        this.zeroRowOutput = new float[outputWidth];
        for (int j = 0; j < outputWidth; j++) {
            zeroRowOutput[j] = (float) sum[j];
        }
        // reading k of n weight rows costs about k / n of the dense product; past half, the BLAS's is as good
        this.maxNonZero = inputWidth / 2;
    }

    /**
     * For a float32 model whose first layer is wide enough to gain and small enough to copy; else null (the dense
     * path serves it).
     */
    public static SparseRowForward of(TrainedModel model) {
        FullyConnectedLayer first = model.network().denseLayers().get(0);
        if (model.network().dataType() != DataType.FLOAT || first.inputWidth() < MIN_INPUT_WIDTH
                || (long) first.inputWidth() * first.outputWidth() > MAX_COPIED_WEIGHTS) {
            return null;
        }
        Standardiser standardiser = model.standardiser();
        return new SparseRowForward(first, standardiser == null ? null : standardiser.meanFloat32(),
                standardiser == null ? null : standardiser.stdFloat32());
    }

    /** The first layer's width of output. */
    public int outputWidth() {
        return outputWidth;
    }

    /**
     * Writes the first fully connected layer's output (before its activation) for one row of raw inputs into
     * {@code output}, and answers true; or answers false, writing nothing, when too many inputs are nonzero for
     * this to pay (the caller takes the dense path).
     */
    public boolean firstLayer(float[] raw, float[] output) {
        if (nonZero(raw, 0) > maxNonZero) {
            return false;
        }
        firstLayer(raw, 1, output, new Work());
        return true;
    }

    /** A caller's work arrays for {@link #firstLayer(float[], int, float[], Work)}: one per thread. */
    public final class Work {
        private final int[] indices = new int[inputWidth];
        private final float[] differences = new float[inputWidth];
        /** The output row being summed: the JIT vectorises the sum only over arrays indexed alike. */
        private final float[] row = new float[outputWidth];
    }

    public Work newWork() {
        return new Work();
    }

    /**
     * Whether a batch of {@code rows} rows is sparse enough for {@link #firstLayer(float[], int, float[], Work)}
     * to beat the dense product on the same thread, judged on its first rows: a lone row when at most half its inputs
     * are nonzero (the dense product of one row streams all of W), a batch when at most {@link #BATCH_DENSITY} of them
     * are (the dense GEMM runs near the core's peak). A batch on several threads is split into blocks of rows, each on
     * one thread, so one thread is always the comparison.
     */
    public boolean pays(float[] raw, int rows) {
        if (rows == 1) {
            return nonZero(raw, 0) <= maxNonZero;
        }
        int sampled = Math.min(rows, SAMPLED_ROWS);
        long nonZero = 0;
        for (int r = 0; r < sampled; r++) {
            nonZero += nonZero(raw, r);
        }
        return nonZero <= BATCH_DENSITY * sampled * inputWidth;
    }

    private int nonZero(float[] raw, int row) {
        int nonZero = 0;
        for (int i = row * inputWidth, end = i + inputWidth; i < end; i++) {
            if (raw[i] != 0f) {
                nonZero++;
            }
        }
        return nonZero;
    }

    /**
     * Writes the first fully connected layer's output (before its activation) for {@code rows} rows of raw inputs,
     * row-major in {@code raw}, into {@code output} (rows x outputWidth, row-major), whatever their number of nonzero
     * inputs. {@code work} is the calling thread's own, so that one instance serves any number of threads.
     */
    public void firstLayer(float[] raw, int rows, float[] output, Work work) {
        firstLayer(raw, 0, rows, output, work);
    }

    /**
     * {@link #firstLayer(float[], int, float[], Work)} for rows {@code from} (inclusive) to {@code to} only, their
     * outputs from the start of {@code output}.
     */
    public void firstLayer(float[] raw, int from, int to, float[] output, Work work) {
        int[] indices = work.indices;
        float[] differences = work.differences;
        for (int r = from; r < to; r++) {
            int base = r * inputWidth;
            int n = 0;
            for (int i = 0; i < inputWidth; i++) {
                float x = raw[base + i];
                if (x != 0f) {
                    indices[n] = i;
                    differences[n++] = mean == null ? x : (x - mean[i]) / std[i] - zeroRowInput[i];
                }
            }
            addRows(indices, differences, n, work.row);
            System.arraycopy(work.row, 0, output, (r - from) * outputWidth, outputWidth);
        }
    }

    /**
     * One output row: c W + b, plus difference x weight row for each nonzero input, four rows of W at a time (the
     * output row is read and written once per four instead of once per row). Each term is one fused multiply-add, in
     * input order, as the BLAS's; the same numbers as adding the rows one at a time.
     */
    private void addRows(int[] indices, float[] differences, int n, float[] out) {
        System.arraycopy(zeroRowOutput, 0, out, 0, outputWidth);
        int q = 0;
        for (; q + 3 < n; q += 4) {
            float d0 = differences[q];
            float d1 = differences[q + 1];
            float d2 = differences[q + 2];
            float d3 = differences[q + 3];
            float[] w0 = weights[indices[q]];
            float[] w1 = weights[indices[q + 1]];
            float[] w2 = weights[indices[q + 2]];
            float[] w3 = weights[indices[q + 3]];
            for (int j = 0; j < out.length; j++) {
                out[j] = Math.fma(d3, w3[j], Math.fma(d2, w2[j], Math.fma(d1, w1[j], Math.fma(d0, w0[j], out[j]))));
            }
        }
        for (; q < n; q++) {
            float d = differences[q];
            float[] w = weights[indices[q]];
            for (int j = 0; j < out.length; j++) {
                out[j] = Math.fma(d, w[j], out[j]);
            }
        }
    }
}
