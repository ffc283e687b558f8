package dev.chainrule.bench;

import dev.chainrule.engine.ReusedArray;
import dev.chainrule.engine.loss.CrossEntropyLoss;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.MetricAccumulator;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Prototypes of engine changes, each next to what the engine does now, at the MLP's shapes (bench code only:
 * src/main is not touched). Every prototype is first checked to compute the same numbers as the engine's way.
 */
final class Prototypes {

    /** One proposal: variants.get(0) is what the engine does now. */
    record Comparison(String proposal, List<OpCosts.Entry> variants, String note) {
    }

    private static final int T = 128;
    private static final int K = 10;

    private Prototypes() {
    }

    static List<Comparison> measure(int calls, Dataset train) {
        List<Comparison> out = new ArrayList<>();
        out.add(gather(calls, train));
        out.add(lossValue(calls));
        out.add(fusedGradient(calls));
        out.add(accuracy(calls, train));
        out.add(biasAdd(calls));
        out.add(biasGradient(calls));
        return out;
    }

    /** Trainer.gather (copyOfRange + pullRows) against one memcpy per row into the same reused buffers. */
    static Comparison gather(int calls, Dataset train) {
        INDArray features = train.features();
        INDArray targets = train.targets();
        int rows = train.size();
        int[] order = permutation(rows);
        ReusedArray bx = new ReusedArray();
        ReusedArray by = new ReusedArray();
        INDArray x2 = Nd4j.create(DataType.FLOAT, T, features.columns());
        INDArray y2 = Nd4j.create(DataType.FLOAT, T, targets.columns());
        RowCopier copyX = new RowCopier(features, x2);
        RowCopier copyY = new RowCopier(targets, y2);

        HotLoop.gather(features, order, 0, T, bx);
        HotLoop.gather(targets, order, 0, T, by);
        copyX.gather(order, 0, T);
        copyY.gather(order, 0, T);
        check(bx.get(DataType.FLOAT, T, features.columns()).equals(x2) && by.get(DataType.FLOAT, T, targets.columns()).equals(y2),
                "memcpy gather differs from pullRows");

        int[] next = {0};
        OpCosts.Entry now = OpCosts.run("gather", "copyOfRange + Nd4j.pullRows, x and y", calls, () -> {
            int from = advance(next, rows);
            HotLoop.gather(features, order, from, from + T, bx);
            HotLoop.gather(targets, order, from, from + T, by);
        });
        OpCosts.Entry memcpy = OpCosts.run("gather", "Pointer.memcpy per row, x and y", calls, () -> {
            int from = advance(next, rows);
            copyX.gather(order, from, from + T);
            copyY.gather(order, from, from + T);
        });
        return new Comparison("Trainer.gather", List.of(now, memcpy),
                "the rows are contiguous float32 in c order, so a batch is " + T + " memcpy calls of 3136 bytes (x) "
                        + "and 40 bytes (y) through a reused JavaCPP pointer; no index array, no native allocation.");
    }

    /** CrossEntropyLoss.value against the same sum through BLAS level 1 (axpy for +eps, dot for the sum). */
    static Comparison lossValue(int calls) {
        INDArray p = softmaxOutput();
        INDArray y = oneHot();
        CrossEntropyLoss loss = (CrossEntropyLoss) LossKind.CROSS_ENTROPY.create(LossKind.DEFAULT_EPSILON);
        INDArray scratch = Nd4j.create(DataType.FLOAT, T, K);
        INDArray ones = Nd4j.ones(DataType.FLOAT, T, K);
        Level1 blas = Nd4j.getBlasWrapper().level1();
        double eps = LossKind.DEFAULT_EPSILON;
        java.util.function.DoubleSupplier viaBlas = () -> {
            scratch.assign(p);
            blas.axpy(scratch.length(), eps, ones, scratch);
            Transforms.log(scratch, false);
            return -blas.dot(scratch.length(), 1.0, scratch, y) / T;
        };
        double a = loss.value(p, y);
        double b = viaBlas.getAsDouble();
        check(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)), "BLAS loss " + b + " differs from engine's " + a);
        OpCosts.Entry now = OpCosts.run("loss", "assign, addi(eps), log, muli(y), sumNumber", calls, () -> loss.value(p, y));
        OpCosts.Entry blasWay = OpCosts.run("loss", "assign, axpy(eps, ones), log, dot(y)", calls, viaBlas::getAsDouble);
        return new Comparison("CrossEntropyLoss.value", List.of(now, blasWay),
                "the scalar add and the reduction each create native scalars; axpy with a constant ones array and "
                        + "BLAS dot (which returns a Java double) create none. Same value to float precision.");
    }

    /** fusedSoftmaxGradient's divi(T) (a scalar op) against axpy + BLAS scal. */
    static Comparison fusedGradient(int calls) {
        INDArray p = softmaxOutput();
        INDArray y = oneHot();
        CrossEntropyLoss loss = (CrossEntropyLoss) LossKind.CROSS_ENTROPY.create(LossKind.DEFAULT_EPSILON);
        INDArray g = Nd4j.create(DataType.FLOAT, T, K);
        Level1 blas = Nd4j.getBlasWrapper().level1();
        Runnable viaBlas = () -> {
            g.assign(p);
            blas.axpy(g.length(), -1.0, y, g);
            blas.scal(g.length(), 1.0 / T, g);
        };
        INDArray expected = loss.fusedSoftmaxGradient(p, y).dup();
        viaBlas.run();
        check(expected.equalsWithEps(g, 1e-7), "BLAS fused gradient differs");
        OpCosts.Entry now = OpCosts.run("fused", "assign(p).subi(y).divi(T)", calls, () -> loss.fusedSoftmaxGradient(p, y));
        OpCosts.Entry blasWay = OpCosts.run("fused", "assign(p), axpy(-1, y), scal(1/T)", calls, viaBlas);
        return new Comparison("CrossEntropyLoss.fusedSoftmaxGradient", List.of(now, blasWay),
                "(or fold 1/T into the alpha of the dW/db GEMMs and drop the scaling altogether).");
    }

    /** MetricAccumulator.add against arg max in Java over a reused float[] copy of the 128 x 10 output. */
    static Comparison accuracy(int calls, Dataset train) {
        INDArray p = softmaxOutput();
        INDArray y = oneHot();
        int[] labels = new int[T];
        for (int i = 0; i < T; i++) {
            labels[i] = i % K;
        }
        FloatPointer source = (FloatPointer) p.data().addressPointer();
        float[] copy = new float[T * K];
        long[] correct = {0};
        Runnable java = () -> {
            source.get(copy);
            int hits = 0;
            for (int r = 0; r < T; r++) {
                int best = 0;
                float max = copy[r * K];
                for (int c = 1; c < K; c++) {
                    if (copy[r * K + c] > max) {
                        max = copy[r * K + c];
                        best = c;
                    }
                }
                if (best == labels[r]) {
                    hits++;
                }
            }
            correct[0] += hits;
        };
        MetricAccumulator check = new MetricAccumulator(LossKind.CROSS_ENTROPY);
        check.add(p, y);
        correct[0] = 0;
        java.run();
        check(Math.abs(check.result().get("accuracy") - correct[0] / (double) T) < 1e-12, "Java accuracy differs");
        MetricAccumulator metrics = new MetricAccumulator(LossKind.CROSS_ENTROPY);
        OpCosts.Entry now = OpCosts.run("accuracy", "MetricAccumulator.add: argMax x2, eq, castTo, sumNumber", calls,
                () -> metrics.add(p, y));
        OpCosts.Entry javaWay = OpCosts.run("accuracy", "FloatPointer.get(float[1280]) + arg max in Java vs int labels",
                calls, java);
        return new Comparison("MetricAccumulator.add", List.of(now, javaWay),
                "needs the batch's class labels as an int[] (gathered with the rows); the same copy of the output "
                        + "also gives the one-hot cross-entropy, -mean ln(p[label] + eps), without any ND4J call.");
    }

    /** FullyConnectedLayer.forward's GEMM + addiRowVector against bias-then-GEMM with beta = 1. */
    static Comparison biasAdd(int calls) {
        INDArray x = Nd4j.rand(DataType.FLOAT, T, 784);
        INDArray w = Nd4j.rand(DataType.FLOAT, 784, 256).subi(0.5);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1, 256);
        INDArray ones = Nd4j.ones(DataType.FLOAT, T, 1);
        INDArray h = Nd4j.create(DataType.FLOAT, T, 256);
        Runnable engine = () -> {
            Nd4j.gemm(x, w, h, false, false, 1.0, 0.0);
            h.addiRowVector(b);
        };
        Runnable nd4jBeta = () -> {
            Nd4j.gemm(ones, b, h, false, false, 1.0, 0.0);
            Nd4j.gemm(x, w, h, false, false, 1.0, 1.0);
        };
        FloatPointer px = (FloatPointer) x.data().addressPointer();
        FloatPointer pw = (FloatPointer) w.data().addressPointer();
        FloatPointer pb = (FloatPointer) b.data().addressPointer();
        FloatPointer pones = (FloatPointer) ones.data().addressPointer();
        FloatPointer ph = (FloatPointer) h.data().addressPointer();
        Runnable cblas = () -> {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasNoTrans, T, 256, 1, 1f, pones, 1, pb, 256, 0f, ph, 256);
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasNoTrans, T, 256, 784, 1f, px, 784, pw, 256, 1f, ph, 256);
        };
        engine.run();
        INDArray expected = h.dup();
        nd4jBeta.run();
        check(expected.equalsWithEps(h, 1e-4), "bias-then-GEMM (Nd4j) differs");
        cblas.run();
        check(expected.equalsWithEps(h, 1e-4), "bias-then-GEMM (cblas) differs");
        OpCosts.Entry now = OpCosts.run("bias", "Nd4j.gemm(x, W, h) + h.addiRowVector(b)  128x784x256", calls, engine);
        OpCosts.Entry nd4j = OpCosts.run("bias", "Nd4j.gemm(1, b, h) + Nd4j.gemm(x, W, h, beta = 1)", calls, nd4jBeta);
        OpCosts.Entry direct = OpCosts.run("bias", "cblas_sgemm(1, b) + cblas_sgemm(x, W, beta = 1)", calls, cblas);
        return new Comparison("FullyConnectedLayer.forward (layer 1)", List.of(now, nd4j, direct),
                "the broadcast add creates 6 native objects per call; writing the bias rows first with a rank-1 "
                        + "product and accumulating the GEMM on top (beta = 1) needs no broadcast.");
    }

    /** The bias gradient 1^T delta: Nd4j.gemm (engine) against cblas_sgemv. */
    static Comparison biasGradient(int calls) {
        INDArray delta = Nd4j.rand(DataType.FLOAT, T, 256).subi(0.5);
        INDArray ones = Nd4j.ones(DataType.FLOAT, T, 1);
        INDArray db = Nd4j.create(DataType.FLOAT, 1, 256);
        FloatPointer pd = (FloatPointer) delta.data().addressPointer();
        FloatPointer pones = (FloatPointer) ones.data().addressPointer();
        FloatPointer pdb = (FloatPointer) db.data().addressPointer();
        Runnable engine = () -> Nd4j.gemm(ones, delta, db, true, false, 1.0, 0.0);
        Runnable gemv = () -> openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasTrans,
                T, 256, 1f, pd, 256, pones, 1, 0f, pdb, 1);
        engine.run();
        INDArray expected = db.dup();
        gemv.run();
        check(expected.equalsWithEps(db, 1e-4), "sgemv bias gradient differs");
        OpCosts.Entry now = OpCosts.run("db", "Nd4j.gemm(ones, delta, db, transA)  1x128x256", calls, engine);
        OpCosts.Entry direct = OpCosts.run("db", "cblas_sgemv(delta^T, ones)", calls, gemv);
        return new Comparison("FullyConnectedLayer.backward bias gradient", List.of(now, direct),
                "same for the three layers (and the other GEMMs: see the GEMM table's cblas columns).");
    }

    /** Copies chosen rows of a contiguous c-order float matrix into another, one memcpy per row. */
    static final class RowCopier {
        private final BytePointer source;
        private final BytePointer target;
        private final long rowBytes;

        RowCopier(INDArray from, INDArray to) {
            check(from.dataType() == DataType.FLOAT && to.dataType() == DataType.FLOAT && from.ordering() == 'c'
                    && to.ordering() == 'c' && !from.isView() && !to.isView() && from.columns() == to.columns(),
                    "RowCopier needs contiguous float32 c-order matrices of the same width");
            Pointer s = from.data().addressPointer();
            Pointer t = to.data().addressPointer();
            check(s.position() == 0 && t.position() == 0, "RowCopier needs buffers at position 0");
            this.source = new BytePointer(s).position(0);
            this.target = new BytePointer(t).position(0);
            this.rowBytes = from.columns() * 4L;
        }

        void gather(int[] order, int from, int to) {
            for (int r = from; r < to; r++) {
                source.position(order[r] * rowBytes);
                target.position((r - from) * rowBytes);
                Pointer.memcpy(target, source, rowBytes);
            }
        }
    }

    private static INDArray softmaxOutput() {
        INDArray z = Nd4j.rand(DataType.FLOAT, T, K).muli(4);
        INDArray p = Nd4j.create(DataType.FLOAT, T, K);
        Nd4j.exec(new SoftMax(z, p, 1));
        return p;
    }

    private static INDArray oneHot() {
        INDArray y = Nd4j.create(DataType.FLOAT, T, K);
        for (int i = 0; i < T; i++) {
            y.putScalar(i, i % K, 1.0);
        }
        return y;
    }

    private static int[] permutation(int rows) {
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = rows - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static int advance(int[] next, int rows) {
        int from = next[0];
        next[0] = from + T >= rows - T ? 0 : from + T;
        return from;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException("prototype check failed: " + message);
        }
    }
}
