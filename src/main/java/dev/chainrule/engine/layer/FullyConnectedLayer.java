package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.Layer;
import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.kernel.ReusedArray;
import java.nio.FloatBuffer;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fully connected layer h = xW + b (seed 001, "Gradient: Fully Connected Layer"), W in R^(D x K), b in
 * R^(1 x K). Backward, with delta = dJ/dh (T x K):
 * dJ/dW = x^T delta, dJ/db = sum over rows of delta, dJ/dx = delta W^T.
 *
 * <p>Every product is one OpenBLAS call with transpose flags into a reused output ({@link Blas}): no
 * transposed copies, no temporaries, and none of the per-call cost of ND4J's op layer.
 */
public final class FullyConnectedLayer implements Layer {
    private final int inputWidth;
    private final int outputWidth;
    private final INDArray weights;
    private final INDArray bias;
    private final INDArray weightGradient;
    private final INDArray biasGradient;
    private final List<Parameter> parameters;

    private final ReusedArray output = new ReusedArray();
    private final ReusedArray inputGradient = new ReusedArray();
    private final ReusedArray ones = new ReusedArray();
    private final NioView biasView = new NioView();
    private final NioView outputView = new NioView();
    private float[] biasFloats = new float[0];
    private INDArray input;

    /** A layer with zero weights and bias, to be set by an initialiser or a loaded model. */
    public FullyConnectedLayer(String name, int inputWidth, int outputWidth, DataType type) {
        this(name, checkedWidth(inputWidth, outputWidth), outputWidth,
                Nd4j.create(type, new long[] {inputWidth, outputWidth}, 'c'), Nd4j.create(type, new long[] {1, outputWidth}, 'c'),
                true);
    }

    private FullyConnectedLayer(String name, int inputWidth, int outputWidth, INDArray weights, INDArray bias,
                                boolean withGradients) {
        this.inputWidth = inputWidth;
        this.outputWidth = outputWidth;
        this.weights = weights;
        this.bias = bias;
        this.weightGradient = withGradients ? Nd4j.create(weights.dataType(), new long[] {inputWidth, outputWidth}, 'c') : null;
        this.biasGradient = withGradients ? Nd4j.create(weights.dataType(), new long[] {1, outputWidth}, 'c') : null;
        this.parameters = List.of(
                new Parameter(name + ".W", weights, weightGradient, true),
                new Parameter(name + ".b", bias, biasGradient, false));
    }

    /**
     * A layer that reads {@code source}'s weight and bias arrays (not copies) with buffers of its own, for forward
     * passes and input gradients on another thread: it computes no parameter gradients (its parameters' gradients
     * are null), so it holds no arrays the size of the weights and its backward pass skips dJ/dW and dJ/db.
     */
    public static FullyConnectedLayer sharingParameters(String name, FullyConnectedLayer source) {
        return new FullyConnectedLayer(name, source.inputWidth, source.outputWidth, source.weights, source.bias, false);
    }

    private static int checkedWidth(int inputWidth, int outputWidth) {
        if (inputWidth <= 0 || outputWidth <= 0) {
            throw new IllegalArgumentException("layer widths must be positive, got " + inputWidth + " x " + outputWidth);
        }
        return inputWidth;
    }

    @Override
    public INDArray forward(INDArray x) {
        checkWidth(x, inputWidth, "input");
        DataType type = weights.dataType();
        x = Blas.directlyUsable(x.dataType() == type ? x : x.castTo(type));
        input = x;
        INDArray h = output.get(type, x.rows(), outputWidth);
        if (x.rows() == 1) {
            // one row: h = b, then h += x W as a matrix-vector product (a GEMM would first pack all of W)
            Blas.copy(bias, h);
            Blas.rowTimesMatrix(x, weights, false, h, 1.0, 1.0);
        } else {
            // every row of h starts as the bias (a bulk copy per row: half the time of a rank-1 GEMM, which
            // also wakes OpenBLAS's threads), then h += x W in one GEMM straight into OpenBLAS
            fillRowsWithBias(h);
            Blas.gemm(x, false, weights, false, h, 1.0, 1.0);
        }
        return h;
    }

    private void fillRowsWithBias(INDArray h) {
        int rows = (int) h.rows();
        if (Elements.isFloat(h)) {
            float[] row = biasFloats.length == outputWidth ? biasFloats : (biasFloats = new float[outputWidth]);
            biasView.floats(bias).get(0, row, 0, outputWidth);
            FloatBuffer out = outputView.floats(h);
            for (int r = 0; r < rows; r++) {
                out.put(r * outputWidth, row, 0, outputWidth);
            }
        } else {
            h.assign(0).addiRowVector(bias); // the plain form: every row is the bias
        }
    }

    @Override
    public INDArray backward(INDArray delta, boolean needInputGradient) {
        checkWidth(delta, outputWidth, "output gradient");
        if (input == null || delta.rows() != input.rows()) {
            throw new IllegalStateException("backward needs a forward pass on a batch of the same size first");
        }
        DataType type = weights.dataType();
        delta = Blas.directlyUsable(delta.dataType() == type ? delta : delta.castTo(type));
        if (weightGradient != null) {
            // dJ/dW = x^T delta
            Blas.gemm(input, true, delta, false, weightGradient, 1.0, 0.0);
            // dJ/db = 1^T delta: the column sums as a matrix-vector product, so it needs no temporary
            Blas.rowTimesMatrix(ones.getOnes(type, delta.rows(), 1), delta, false, biasGradient, 1.0, 0.0);
        }
        if (!needInputGradient) {
            return null;
        }
        // dJ/dx = delta W^T
        INDArray dx = inputGradient.get(type, delta.rows(), inputWidth);
        Blas.gemm(delta, false, weights, true, dx, 1.0, 0.0);
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public long outputWidth(long inputWidth) {
        return outputWidth;
    }

    public int inputWidth() {
        return inputWidth;
    }

    public int outputWidth() {
        return outputWidth;
    }

    public INDArray weights() {
        return weights;
    }

    public INDArray bias() {
        return bias;
    }

    public INDArray weightGradient() {
        return weightGradient;
    }

    public INDArray biasGradient() {
        return biasGradient;
    }

    static void checkWidth(INDArray array, long expected, String what) {
        if (array.rank() != 2 || array.columns() != expected) {
            throw new IllegalArgumentException(
                    what + " must be a T x " + expected + " matrix, got shape " + java.util.Arrays.toString(array.shape()));
        }
    }
}
