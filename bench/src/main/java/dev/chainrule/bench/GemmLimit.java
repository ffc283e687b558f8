package dev.chainrule.bench;

import dev.chainrule.engine.kernel.Blas;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GEMM limit of the side-by-side run: the eight matrix products of one training step of the MLP at batch
 * 128, through the engine's own {@link Blas#gemm} (OpenBLAS on the arrays' memory, transposes as flags, into
 * preallocated outputs), each timed in chunks, one chunk per round. Training cannot beat their summed time per
 * batch: limit samples/s = 128 / (sum of the eight products' times). Every system's training samples/s over it
 * is the fraction of the limit that system reaches (PyTorch's own torch.mm limit is reported beside it).
 */
public final class GemmLimit {
    /** One product: c (m x n) = op(a) op(b). */
    public record Product(String name, String what, int m, int k, int n, boolean transposeA, boolean transposeB) {
        double flop() {
            return 2.0 * m * k * n;
        }

        String shape() {
            return m + "x" + k + " * " + k + "x" + n + (transposeA ? " (A^T)" : transposeB ? " (B^T)" : "");
        }
    }

    public static final List<Product> PRODUCTS = List.of(
            new Product("fwd1", "x W1", 128, 784, 256, false, false),
            new Product("fwd2", "h1 W2", 128, 256, 128, false, false),
            new Product("fwd3", "h2 W3", 128, 128, 10, false, false),
            new Product("dW1", "x^T d1", 784, 128, 256, true, false),
            new Product("dW2", "h1^T d2", 256, 128, 128, true, false),
            new Product("dW3", "h2^T d3", 128, 128, 10, true, false),
            new Product("dX3", "d3 W3^T", 128, 10, 128, false, true),
            new Product("dX2", "d2 W2^T", 128, 128, 256, false, true));

    private final List<Runnable> calls = new ArrayList<>();
    private final long[] callsPerChunk = new long[PRODUCTS.size()];
    private final List<double[]> microsPerCall = new ArrayList<>();

    GemmLimit() {
        for (Product p : PRODUCTS) {
            INDArray a = Nd4j.rand(DataType.FLOAT, p.transposeA ? p.k : p.m, p.transposeA ? p.m : p.k).subi(0.5);
            INDArray b = Nd4j.rand(DataType.FLOAT, p.transposeB ? p.n : p.k, p.transposeB ? p.k : p.n).subi(0.5);
            INDArray c = Nd4j.create(DataType.FLOAT, new long[] {p.m, p.n}, 'c');
            calls.add(() -> Blas.gemm(a, p.transposeA, b, p.transposeB, c, 1.0, 0.0));
        }
    }

    /** Warm-up and chunk sizing (round 0). */
    void calibrate(double chunkMillis) {
        for (int i = 0; i < calls.size(); i++) {
            callsPerChunk[i] = Timing.calibrate(calls.get(i), chunkMillis);
        }
    }

    /** One timed chunk of every product. */
    void round() {
        double[] micros = new double[calls.size()];
        for (int i = 0; i < calls.size(); i++) {
            micros[i] = 1e6 / Timing.chunk(calls.get(i), callsPerChunk[i]);
        }
        microsPerCall.add(micros);
    }

    /** Median microseconds per call of each product over the rounds. */
    double[] medianMicros() {
        double[] out = new double[PRODUCTS.size()];
        for (int i = 0; i < out.length; i++) {
            double[] values = new double[microsPerCall.size()];
            for (int r = 0; r < values.length; r++) {
                values[r] = microsPerCall.get(r)[i];
            }
            out[i] = Stats.of(values).median();
        }
        return out;
    }

    /** The limit in training samples/s from each round's chunks (one value per round). */
    double[] limitPerRound(int batch) {
        double[] out = new double[microsPerCall.size()];
        for (int r = 0; r < out.length; r++) {
            double sum = 0;
            for (double us : microsPerCall.get(r)) {
                sum += us;
            }
            out[r] = batch / (sum / 1e6);
        }
        return out;
    }

    static double flopPerBatch() {
        return PRODUCTS.stream().mapToDouble(Product::flop).sum();
    }
}
