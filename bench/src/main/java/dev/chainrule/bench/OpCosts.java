package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What each ND4J call on the training step's hot path costs on its own, at the MLP's shapes: time per call,
 * Java heap bytes and ND4J native objects (buffers, op contexts) per call. This is where the per-batch
 * allocations of the breakdown come from, and what the proposals' prototypes are compared with.
 */
final class OpCosts {

    record Entry(String group, String call, double microsPerCall, double heapBytesPerCall, double nd4jObjectsPerCall,
                 double javacppPointersPerCall) {
    }

    private OpCosts() {
    }

    static List<Entry> measure(int calls, INDArray features) {
        List<Entry> out = new ArrayList<>();
        INDArray z256 = Nd4j.rand(DataType.FLOAT, 128, 256).subi(0.5);
        INDArray h256 = Nd4j.create(DataType.FLOAT, 128, 256);
        INDArray d256 = Nd4j.rand(DataType.FLOAT, 128, 256).subi(0.5);
        INDArray bias256 = Nd4j.rand(DataType.FLOAT, 1, 256);
        INDArray z10 = Nd4j.rand(DataType.FLOAT, 128, 10);
        INDArray p10 = Nd4j.create(DataType.FLOAT, 128, 10);
        Nd4j.exec(new SoftMax(z10, p10, 1));
        INDArray y10 = Nd4j.create(DataType.FLOAT, 128, 10);
        for (int i = 0; i < 128; i++) {
            y10.putScalar(i, i % 10, 1.0);
        }
        INDArray a10 = Nd4j.create(DataType.FLOAT, 128, 10);
        INDArray w = Nd4j.rand(DataType.FLOAT, 784, 256);
        INDArray gw = Nd4j.rand(DataType.FLOAT, 784, 256).muli(1e-6);
        INDArray batch = Nd4j.create(DataType.FLOAT, 128, 784);
        INDArray ones = Nd4j.ones(DataType.FLOAT, 128, 1);
        int[] order = new int[features.rows() > Integer.MAX_VALUE ? 0 : (int) features.rows()];
        for (int i = 0; i < order.length; i++) {
            order[i] = (int) ((i * 7919L) % order.length);
        }

        String fc = "FullyConnectedLayer";
        out.add(run(fc, "h.addiRowVector(b)  128x256 (bias add, forward)", calls, () -> h256.addiRowVector(bias256)));
        out.add(run(fc, "ones.getDouble(0)  (bias-sum guard, backward)", calls, () -> ones.getDouble(0)));
        String relu = "ReluActivation";
        out.add(run(relu, "exec(RectifiedLinear(z, h))  128x256", calls, () -> Nd4j.exec(new RectifiedLinear(z256, h256, 0.0))));
        out.add(run(relu, "exec(Step(z, dz))  128x256", calls, () -> Nd4j.exec(new Step(z256, h256, -Float.MIN_VALUE))));
        out.add(run(relu, "dz.muli(delta)  128x256", calls, () -> h256.muli(d256)));
        String soft = "SoftmaxActivation";
        out.add(run(soft, "exec(SoftMax(z, h, 1))  128x10 (custom op)", calls, () -> Nd4j.exec(new SoftMax(z10, a10, 1))));
        String ce = "CrossEntropyLoss.value";
        out.add(run(ce, "a.assign(p)  128x10", calls, () -> a10.assign(p10)));
        out.add(run(ce, "a.addi(eps)  (scalar op)", calls, () -> a10.addi(1e-7)));
        out.add(run(ce, "Transforms.log(a, false)", calls, () -> Transforms.log(a10, false)));
        out.add(run(ce, "a.muli(y)", calls, () -> a10.muli(y10)));
        out.add(run(ce, "a.sumNumber()  (reduction to a new scalar)", calls, () -> a10.sumNumber()));
        String fused = "fusedSoftmaxGradient";
        out.add(run(fused, "g.assign(p).subi(y)", calls, () -> a10.assign(p10).subi(y10)));
        out.add(run(fused, "g.divi(128)  (scalar op)", calls, () -> a10.divi(128)));
        String metric = "MetricAccumulator.add";
        out.add(run(metric, "Nd4j.argMax(p, 1)", calls, () -> Nd4j.argMax(p10, 1)));
        out.add(run(metric, "argMax(p).eq(argMax(y)).castTo(INT).sumNumber()", calls,
                () -> Nd4j.argMax(p10, 1).eq(Nd4j.argMax(y10, 1)).castTo(DataType.INT).sumNumber().longValue()));
        String trainer = "Trainer.gather";
        int[] offset = {0};
        out.add(run(trainer, "Arrays.copyOfRange(order, 128 rows)", calls, () -> {
            int from = offset[0];
            offset[0] = (from + 128) % (order.length - 128);
            Arrays.copyOfRange(order, from, from + 128);
        }));
        out.add(run(trainer, "Nd4j.pullRows(x, batch, 1, int[128])  128x784", calls, () -> {
            int from = offset[0];
            offset[0] = (from + 128) % (order.length - 128);
            Nd4j.pullRows(features, batch, 1, Arrays.copyOfRange(order, from, from + 128));
        }));
        String sgd = "SgdOptimiser";
        out.add(run(sgd, "level1().axpy(n, -lr, g, w)  784x256", calls,
                () -> Nd4j.getBlasWrapper().level1().axpy(gw.length(), -1e-9, gw, w)));
        return out;
    }

    static Entry run(String group, String call, int calls, Runnable op) {
        for (int i = 0; i < Math.max(20, calls / 5); i++) {
            op.run();
        }
        Counters.Snapshot before = Counters.now();
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            op.run();
        }
        long elapsed = System.nanoTime() - t0;
        Counters.Snapshot used = Counters.now().minus(before);
        return new Entry(group, call, elapsed / 1e3 / calls, used.heapBytes() / (double) calls,
                used.nd4jObjects() / (double) calls, used.javacppPointers() / (double) calls);
    }
}
