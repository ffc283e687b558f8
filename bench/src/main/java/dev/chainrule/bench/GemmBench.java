package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * float32 GEMM throughput at the exact products one training step of the 784-256-128-10 MLP does at batch
 * 128, each as the engine calls it: Nd4j.gemm(a, b, c, transposeA, transposeB, 1, 0) into a preallocated c.
 * For comparison (a proposal, not what the engine does) the same product straight through OpenBLAS's
 * cblas_sgemm, which skips ND4J's Mmul custom op and its per-call op context.
 */
final class GemmBench {

    /**
     * C[m x n] = op(A) op(B), op(A) m x k. A is stored k x m when transposed, B n x k when transposed (c order).
     *
     * @param inTraining whether one training step runs this product once (the "limit" sums these)
     */
    record Shape(String name, String what, int m, int k, int n, boolean transA, boolean transB, boolean inTraining) {
        double flops() {
            return 2.0 * m * k * n;
        }

        String dims() {
            return m + "x" + k + " * " + k + "x" + n + (transA ? " (A^T)" : "") + (transB ? " (B^T)" : "");
        }
    }

    record Result(Shape shape, Stats gflops, double microsPerCall, double heapBytesPerCall, double nd4jObjectsPerCall,
                  Stats directGflops, double directMicrosPerCall) {
    }

    static final int T = 128;

    /** The eight products of a training step at batch 128, and the three bias row sums (1^T delta). */
    static List<Shape> trainingShapes() {
        List<Shape> shapes = new ArrayList<>();
        shapes.add(new Shape("fwd1", "x W1", T, 784, 256, false, false, true));
        shapes.add(new Shape("fwd2", "h1 W2", T, 256, 128, false, false, true));
        shapes.add(new Shape("fwd3", "h2 W3", T, 128, 10, false, false, true));
        shapes.add(new Shape("dW1", "x^T d1", 784, T, 256, true, false, true));
        shapes.add(new Shape("dW2", "h1^T d2", 256, T, 128, true, false, true));
        shapes.add(new Shape("dW3", "h2^T d3", 128, T, 10, true, false, true));
        shapes.add(new Shape("dX3", "d3 W3^T", T, 10, 128, false, true, true));
        shapes.add(new Shape("dX2", "d2 W2^T", T, 128, 256, false, true, true));
        shapes.add(new Shape("db1", "1^T d1 (bias sum)", 1, T, 256, true, false, false));
        shapes.add(new Shape("db2", "1^T d2 (bias sum)", 1, T, 128, true, false, false));
        shapes.add(new Shape("db3", "1^T d3 (bias sum)", 1, T, 10, true, false, false));
        return shapes;
    }

    /** Minimum FLOPs per training sample: forward, dW, and dX for all layers but the first. */
    static double minimumTrainingFlopsPerSample() {
        double forward = 2.0 * (784 * 256 + 256 * 128 + 128 * 10);
        double inputGradients = 2.0 * (256 * 128 + 128 * 10);
        return forward + forward + inputGradients;
    }

    /** The conventional count, 3x forward (it includes the first layer's input gradient nobody needs). */
    static double conventionalTrainingFlopsPerSample() {
        return 3 * 2.0 * (784 * 256 + 256 * 128 + 128 * 10);
    }

    /** One product with its arrays, both ways of calling it, and its measurements so far. */
    static final class Case {
        final Shape shape;
        final Runnable nd4j;
        final Runnable direct;
        long nd4jCalls;
        long directCalls;
        final double[] nd4jRates;
        final double[] directRates;
        int chunks;
        double heapBytesPerCall;
        double nd4jObjectsPerCall;

        Case(Shape s, int maxChunks) {
            this.shape = s;
            INDArray a = Nd4j.rand(DataType.FLOAT, s.transA ? s.k : s.m, s.transA ? s.m : s.k).subi(0.5);
            INDArray b = Nd4j.rand(DataType.FLOAT, s.transB ? s.n : s.k, s.transB ? s.k : s.n).subi(0.5);
            INDArray c = Nd4j.create(DataType.FLOAT, new long[] {s.m, s.n}, 'c');
            nd4j = () -> Nd4j.gemm(a, b, c, s.transA, s.transB, 1.0, 0.0);
            FloatPointer pa = (FloatPointer) a.data().addressPointer();
            FloatPointer pb = (FloatPointer) b.data().addressPointer();
            FloatPointer pc = (FloatPointer) c.data().addressPointer();
            int lda = s.transA ? s.m : s.k;
            int ldb = s.transB ? s.k : s.n;
            int transA = s.transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
            int transB = s.transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
            direct = () -> openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, transA, transB,
                    s.m, s.n, s.k, 1f, pa, lda, pb, ldb, 0f, pc, s.n);
            // both must agree before either is timed
            nd4j.run();
            INDArray expected = c.dup();
            direct.run();
            double diff = expected.sub(c).norm2Number().doubleValue()
                    / Math.max(1e-30, expected.norm2Number().doubleValue());
            if (diff > 1e-5) {
                throw new IllegalStateException(s.name + ": cblas_sgemm and Nd4j.gemm disagree, relative difference " + diff);
            }
            nd4jRates = new double[maxChunks];
            directRates = new double[maxChunks];
        }

        /** Warm-up, calibration and the allocation count (the counters are read outside the timed chunks). */
        void calibrate(double chunkMillis) {
            nd4jCalls = Timing.calibrate(nd4j, chunkMillis);
            directCalls = Timing.calibrate(direct, chunkMillis);
            int calls = 200;
            Counters.Snapshot before = Counters.now();
            for (int i = 0; i < calls; i++) {
                nd4j.run();
            }
            Counters.Snapshot used = Counters.now().minus(before);
            heapBytesPerCall = used.heapBytes() / (double) calls;
            nd4jObjectsPerCall = used.nd4jObjects() / (double) calls;
        }

        void chunk() {
            nd4jRates[chunks] = Timing.chunk(nd4j, nd4jCalls);
            directRates[chunks] = Timing.chunk(direct, directCalls);
            chunks++;
        }

        Result result() {
            Stats calls = Timing.scaled(nd4jRates, chunks, 1);
            Stats directCallsPerSecond = Timing.scaled(directRates, chunks, 1);
            return new Result(shape, Timing.scaled(nd4jRates, chunks, shape.flops() / 1e9), 1e6 / calls.median(),
                    heapBytesPerCall, nd4jObjectsPerCall, Timing.scaled(directRates, chunks, shape.flops() / 1e9),
                    1e6 / directCallsPerSecond.median());
        }
    }

    private final List<Case> cases = new ArrayList<>();
    private final Plan plan;

    GemmBench(Plan plan) {
        this.plan = plan;
        for (Shape shape : trainingShapes()) {
            cases.add(new Case(shape, plan.timedEpochs() * plan.gemmChunksPerRound()));
        }
    }

    void calibrate() {
        for (Case c : cases) {
            c.calibrate(plan.gemmChunkMillis());
        }
    }

    void round() {
        for (int i = 0; i < plan.gemmChunksPerRound(); i++) {
            for (Case c : cases) {
                c.chunk();
            }
        }
    }

    List<Result> results() {
        List<Result> out = new ArrayList<>();
        for (Case c : cases) {
            out.add(c.result());
        }
        return out;
    }
}
