package dev.chainrule.bench;

import dev.chainrule.engine.Layer;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.kernel.ReusedArray;
import dev.chainrule.engine.layer.SoftmaxActivation;
import dev.chainrule.engine.loss.CrossEntropyLoss;
import dev.chainrule.engine.optim.Optimiser;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochOrder;
import dev.chainrule.engine.training.MetricAccumulator;
import dev.chainrule.engine.training.MinibatchRows;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Trainer.fit's batch loop with a clock and allocation counters around each step: MinibatchRows.gather over the
 * trainer's own row order ({@link EpochOrder}, epoch 1, 2, ... for the shuffle seed), each layer's forward, the loss
 * value, the fused softmax + cross-entropy gradient, each layer's backward (the first without dX), then
 * MetricAccumulator.add and the SGD step. Network.computeGradients is forward + loss value + fused gradient +
 * backward; it runs those as one call, so to time them one by one they are called here in its order, and
 * {@link #checkAgainstEngine} (run by {@link #measure} before it times anything, and by HotLoopTest) fails unless
 * this step gives computeGradients' loss and gradients bit for bit. HotLoopTest also checks that the loop's
 * epochs leave the parameters exactly where Trainer.fit leaves them.
 */
final class HotLoop {

    record Step(String name, double microsPerBatch, double heapBytesPerBatch, double nd4jObjectsPerBatch,
                double javacppPointersPerBatch) {
    }

    record Breakdown(List<Step> steps, int batches, double totalMicrosPerBatch, double totalHeapBytesPerBatch,
                     double totalNd4jObjectsPerBatch) {
    }

    private HotLoop() {
    }

    /**
     * {@code warmUp} untimed batches, then {@code batches} timed ones, with the trainer's minibatches of
     * {@code TrainingConfig.of(epochs, batchSize, sgd(learningRate), seed)}: batch b is epoch b / perEpoch + 1. Full
     * batches only: where the rows are not a multiple of the batch size, the trainer's shorter last batch of each
     * epoch is left out (perEpoch = rows / batchSize), so every timed step has the same shape.
     */
    static Breakdown measure(Network network, Dataset data, int batchSize, int warmUp, int batches, double learningRate,
                             long seed) {
        int perEpoch = data.size() / batchSize;
        int[] order = new int[data.size()];
        EpochOrder.fill(order, true, seed, 1);
        ReusedArray bx = new ReusedArray();
        ReusedArray by = new ReusedArray();
        checkAgainstEngine(network, MinibatchRows.gather(data.features(), order, 0, batchSize, bx),
                MinibatchRows.gather(data.targets(), order, 0, batchSize, by));

        Probe probe = new Probe(stepNames(network));
        Optimiser optimiser = OptimiserSettings.sgd(learningRate).create();
        MetricAccumulator metrics = new MetricAccumulator(network.definition().loss());
        for (int b = 0; b < warmUp + batches; b++) {
            int epoch = b / perEpoch + 1;
            if (b % perEpoch == 0 && b > 0) {
                EpochOrder.fill(order, true, seed, epoch);
            }
            probe.timed = b >= warmUp;
            probe.startBatch();
            int from = (b % perEpoch) * batchSize;
            probe.start();
            INDArray x = MinibatchRows.gather(data.features(), order, from, from + batchSize, bx);
            INDArray y = MinibatchRows.gather(data.targets(), order, from, from + batchSize, by);
            probe.stop();
            INDArray predicted = forward(network, x, probe);
            double value = lossAndBackward(network, predicted, y, probe);
            if (!Double.isFinite(value)) {
                throw new IllegalStateException("loss became " + value + " in the breakdown run");
            }
            probe.start();
            metrics.add(predicted, y);
            probe.stop();
            probe.start();
            optimiser.step(network.parameters());
            probe.stop();
            probe.endBatch();
        }
        return probe.breakdown(batches);
    }

    /**
     * Network.computeGradients step by step, in its order: {@link #forward}, then {@link #lossAndBackward}; each
     * step between {@code probe.start()} and {@code probe.stop()}. Returns the batch's loss value.
     */
    static double gradients(Network network, INDArray x, INDArray y, Probe probe) {
        return lossAndBackward(network, forward(network, x, probe), y, probe);
    }

    /** Every layer's forward in turn; the network's output. */
    static INDArray forward(Network network, INDArray x, Probe probe) {
        INDArray h = x;
        for (Layer layer : network.layers()) {
            probe.start();
            h = layer.forward(h);
            probe.stop();
        }
        return h;
    }

    /** The loss value, the fused softmax + cross-entropy gradient, every layer's backward (the first without dX). */
    static double lossAndBackward(Network network, INDArray predicted, INDArray y, Probe probe) {
        List<Layer> layers = network.layers();
        CrossEntropyLoss loss = (CrossEntropyLoss) network.lossFunction();
        probe.start();
        double value = loss.value(predicted, y);
        probe.stop();
        probe.start();
        INDArray delta = loss.fusedSoftmaxGradient(predicted, y);
        probe.stop();
        for (int i = layers.size() - 2; i >= 0; i--) {
            probe.start();
            delta = layers.get(i).backward(delta, i > 0);
            probe.stop();
        }
        return value;
    }

    /**
     * Fails unless {@link #gradients} gives Network.computeGradients' loss value and parameter gradients exactly
     * on this batch. Leaves the parameters as they were (only gradients and layer buffers are written).
     */
    static void checkAgainstEngine(Network network, INDArray x, INDArray y) {
        if (!(network.lossFunction() instanceof CrossEntropyLoss)
                || !(network.layers().get(network.layers().size() - 1) instanceof SoftmaxActivation)) {
            throw new IllegalArgumentException("the hot loop times the fused softmax + cross-entropy step only");
        }
        double mine = gradients(network, x, y, Probe.OFF);
        List<INDArray> myGradients = new ArrayList<>();
        for (Parameter p : network.parameters()) {
            myGradients.add(p.gradient().dup());
        }
        double engine = network.computeGradients(x, y);
        if (Double.doubleToLongBits(mine) != Double.doubleToLongBits(engine)) {
            throw new IllegalStateException("the hot loop's loss " + mine + " differs from computeGradients' " + engine);
        }
        List<Parameter> parameters = network.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            if (!identical(myGradients.get(i), parameters.get(i).gradient())) {
                double diff = myGradients.get(i).sub(parameters.get(i).gradient()).amaxNumber().doubleValue();
                throw new IllegalStateException("the hot loop's gradient of " + parameters.get(i).name()
                        + " differs from computeGradients' (max abs difference " + diff + ")");
            }
        }
    }

    /** Same shape and the same values bit for bit (INDArray.equals allows a difference of 1e-5). */
    static boolean identical(INDArray a, INDArray b) {
        return java.util.Arrays.equals(a.shape(), b.shape())
                && java.util.Arrays.equals(a.dup('c').data().asDouble(), b.dup('c').data().asDouble());
    }

    /** The breakdown's row names, in the order {@link #measure} records its steps. */
    static List<String> stepNames(Network network) {
        List<Layer> layers = network.layers();
        String[] layerNames = layerNames(layers);
        List<String> names = new ArrayList<>();
        names.add("gather x, y (MinibatchRows, bulk copy per row, x2)");
        for (String name : layerNames) {
            names.add(name + ".forward");
        }
        names.add("loss.value (cross-entropy)");
        names.add("fused softmax+CE gradient");
        for (int i = layers.size() - 2; i >= 0; i--) {
            names.add(layerNames[i] + ".backward" + (i == 0 ? " (no dX)" : ""));
        }
        names.add("MetricAccumulator.add (accuracy)");
        names.add("optimiser.step (SGD, OpenBLAS axpy x6)");
        return names;
    }

    static String[] layerNames(List<Layer> layers) {
        String[] names = new String[layers.size()];
        int dense = 0;
        for (int i = 0; i < layers.size(); i++) {
            String simple = layers.get(i).getClass().getSimpleName();
            if (simple.equals("FullyConnectedLayer")) {
                dense++;
                names[i] = "fc" + dense;
            } else {
                names[i] = simple.replace("Activation", "").toLowerCase(java.util.Locale.ROOT) + dense;
            }
        }
        return names;
    }

    /** Wall time, heap bytes, ND4J objects and JavaCPP pointers of each step in turn, summed over timed batches. */
    static final class Probe {
        static final Probe OFF = new Probe(List.of());

        private final List<String> names;
        private final long[] nanos;
        private final long[] heap;
        private final long[] nd4j;
        private final long[] pointers;
        boolean timed;
        private int step;
        private long t0;
        private long h0;
        private long o0;
        private long p0;
        private long batchNanos;
        private long batchHeap;
        private long batchNd4j;
        private long totalNanos;
        private long totalHeap;
        private long totalNd4j;

        Probe(List<String> names) {
            this.names = names;
            nanos = new long[names.size()];
            heap = new long[names.size()];
            nd4j = new long[names.size()];
            pointers = new long[names.size()];
        }

        void startBatch() {
            step = 0;
            batchNanos = System.nanoTime();
            batchHeap = Counters.heapBytes();
            batchNd4j = Counters.nd4jObjects();
        }

        void start() {
            if (this == OFF) {
                return;
            }
            t0 = System.nanoTime();
            h0 = Counters.heapBytes();
            o0 = Counters.nd4jObjects();
            p0 = Pointer.totalCount();
        }

        void stop() {
            if (this == OFF) {
                return;
            }
            long t1 = System.nanoTime();
            long h1 = Counters.heapBytes();
            long o1 = Counters.nd4jObjects();
            long p1 = Pointer.totalCount();
            if (timed) {
                nanos[step] += t1 - t0;
                heap[step] += h1 - h0;
                nd4j[step] += o1 - o0;
                pointers[step] += p1 - p0;
            }
            step++;
        }

        void endBatch() {
            if (step != names.size()) {
                throw new IllegalStateException("the batch recorded " + step + " steps, not " + names.size());
            }
            if (timed) {
                totalNanos += System.nanoTime() - batchNanos;
                totalHeap += Counters.heapBytes() - batchHeap;
                totalNd4j += Counters.nd4jObjects() - batchNd4j;
            }
        }

        Breakdown breakdown(int batches) {
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                steps.add(new Step(names.get(i), nanos[i] / 1e3 / batches, heap[i] / (double) batches,
                        nd4j[i] / (double) batches, pointers[i] / (double) batches));
            }
            return new Breakdown(steps, batches, totalNanos / 1e3 / batches, totalHeap / (double) batches,
                    totalNd4j / (double) batches);
        }
    }
}
