package dev.chainrule.engine.model;

import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The first fully connected layer's output for one row of raw inputs that are mostly exact zeros (an image's
 * background, one-hot codes), reading only the weight rows of the inputs that are not zero.
 *
 * <p>The layer is affine, so with the standardisation z = (x - mean) / std folded in (seed 002, the fully connected
 * layer's forward pass):
 * <pre>  z W + b = (c W + b) + (z - c) W</pre>
 * where c is what standardisation makes of an all-zero row. z - c is exactly zero wherever the raw input is zero,
 * so only those rows of W take part: about a fifth of them for an MNIST digit. A single-row predict otherwise
 * streams all of W (0.8 MB for 784 x 256) through the core's caches, which cost the service more than the
 * arithmetic (bench/results/2026-11-22-speed-notes.md, fifth session).
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

    private final int inputWidth;
    private final int outputWidth;
    /**
     * Row i holds input i's weights. An array per row, not one inputWidth x outputWidth array: Java 17's JIT
     * vectorises {@code out[j] += s * w[j]} but not {@code out[j] += s * w[row + j]} (0.09 against 0.44 ns a value).
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
        int nonZero = 0;
        for (int i = 0; i < inputWidth; i++) {
            if (raw[i] != 0f) {
                nonZero++;
            }
        }
        if (nonZero > maxNonZero) {
            return false;
        }
        System.arraycopy(zeroRowOutput, 0, output, 0, outputWidth);
        for (int i = 0; i < inputWidth; i++) {
            float x = raw[i];
            if (x != 0f) {
                float difference = mean == null ? x : (x - mean[i]) / std[i] - zeroRowInput[i];
                addRow(difference, weights[i], output);
            }
        }
        return true;
    }

    /** output += scale x row, one rounding a term as the BLAS's fused multiply-adds (vector instructions too). */
    private static void addRow(float scale, float[] row, float[] output) {
        for (int j = 0; j < row.length; j++) {
            output[j] = Math.fma(scale, row[j], output[j]);
        }
    }
}
