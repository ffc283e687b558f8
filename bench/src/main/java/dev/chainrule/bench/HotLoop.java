package dev.chainrule.bench;

import dev.chainrule.engine.Layer;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.kernel.ReusedArray;
import dev.chainrule.engine.loss.CrossEntropyLoss;
import dev.chainrule.engine.optim.Optimiser;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.MetricAccumulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An instrumented copy of one iteration of Trainer.fit's batch loop, step by step, through the engine's own
 * public pieces: MinibatchRows.gather, each layer's forward, the loss value, the fused
 * softmax + cross-entropy gradient, each layer's backward (the first without dX), MetricAccumulator.add and
 * the SGD step. For each step: wall time, Java heap bytes and ND4J native objects per batch.
 *
 * <p>Network.computeGradients is forward + loss value + fused gradient + backward exactly like this; the
 * counters and clock reads add well under a microsecond per step.
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

    static Breakdown measure(Network network, Dataset data, int batchSize, int batches, double learningRate, long seed) {
        List<Layer> layers = network.layers();
        CrossEntropyLoss loss = (CrossEntropyLoss) network.lossFunction();
        Optimiser optimiser = OptimiserSettings.sgd(learningRate).create();
        List<Parameter> parameters = network.parameters();

        List<String> names = new ArrayList<>();
        names.add("gather x, y (MinibatchRows, bulk copy per row, x2)");
        String[] layerNames = layerNames(layers);
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
        int n = names.size();
        long[] nanos = new long[n];
        long[] heap = new long[n];
        long[] nd4j = new long[n];
        long[] pointers = new long[n];

        int rows = data.size();
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = rows - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        ReusedArray bx = new ReusedArray();
        ReusedArray by = new ReusedArray();
        MetricAccumulator metrics = new MetricAccumulator(network.definition().loss());
        int perEpoch = rows / batchSize;

        // a few batches untimed, so the JIT and every reused buffer are in place
        int warmUp = Math.min(50, batches);
        long totalNanos = 0;
        long totalHeap = 0;
        long totalNd4j = 0;
        for (int b = 0; b < warmUp + batches; b++) {
            boolean timed = b >= warmUp;
            int from = (b % perEpoch) * batchSize;
            int to = from + batchSize;
            int s = 0;
            long batchStart = System.nanoTime();
            long batchHeap = Counters.heapBytes();
            long batchNd4j = Counters.nd4jObjects();

            long t0 = System.nanoTime();
            long h0 = Counters.heapBytes();
            long o0 = Counters.nd4jObjects();
            long p0 = org.bytedeco.javacpp.Pointer.totalCount();
            INDArray x = gather(data.features(), order, from, to, bx);
            INDArray y = gather(data.targets(), order, from, to, by);
            s = record(timed, s, t0, h0, o0, p0, nanos, heap, nd4j, pointers);

            INDArray h = x;
            for (Layer layer : layers) {
                t0 = System.nanoTime();
                h0 = Counters.heapBytes();
                o0 = Counters.nd4jObjects();
                p0 = org.bytedeco.javacpp.Pointer.totalCount();
                h = layer.forward(h);
                s = record(timed, s, t0, h0, o0, p0, nanos, heap, nd4j, pointers);
            }
            INDArray predicted = h;

            t0 = System.nanoTime();
            h0 = Counters.heapBytes();
            o0 = Counters.nd4jObjects();
            p0 = org.bytedeco.javacpp.Pointer.totalCount();
            double value = loss.value(predicted, y);
            s = record(timed, s, t0, h0, o0, p0, nanos, heap, nd4j, pointers);
            if (!Double.isFinite(value)) {
                throw new IllegalStateException("loss became " + value + " in the breakdown run");
            }

            t0 = System.nanoTime();
            h0 = Counters.heapBytes();
            o0 = Counters.nd4jObjects();
            p0 = org.bytedeco.javacpp.Pointer.totalCount();
            INDArray delta = loss.fusedSoftmaxGradient(predicted, y);
            s = record(timed, s, t0, h0, o0, p0, nanos, heap, nd4j, pointers);

            for (int i = layers.size() - 2; i >= 0; i--) {
                t0 = System.nanoTime();
                h0 = Counters.heapBytes();
                o0 = Counters.nd4jObjects();
                p0 = org.bytedeco.javacpp.Pointer.totalCount();
                delta = layers.get(i).backward(delta, i > 0);
                s = record(timed, s, t0, h0, o0, p0, nanos, heap, nd4j, pointers);
            }

            t0 = System.nanoTime();
            h0 = Counters.heapBytes();
            o0 = Counters.nd4jObjects();
            p0 = org.bytedeco.javacpp.Pointer.totalCount();
            metrics.add(predicted, y);
            s = record(timed, s, t0, h0, o0, p0, nanos, heap, nd4j, pointers);

            t0 = System.nanoTime();
            h0 = Counters.heapBytes();
            o0 = Counters.nd4jObjects();
            p0 = org.bytedeco.javacpp.Pointer.totalCount();
            optimiser.step(parameters);
            record(timed, s, t0, h0, o0, p0, nanos, heap, nd4j, pointers);

            if (timed) {
                totalNanos += System.nanoTime() - batchStart;
                totalHeap += Counters.heapBytes() - batchHeap;
                totalNd4j += Counters.nd4jObjects() - batchNd4j;
            }
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            steps.add(new Step(names.get(i), nanos[i] / 1e3 / batches, heap[i] / (double) batches,
                    nd4j[i] / (double) batches, pointers[i] / (double) batches));
        }
        return new Breakdown(steps, batches, totalNanos / 1e3 / batches, totalHeap / (double) batches,
                totalNd4j / (double) batches);
    }

    private static int record(boolean timed, int s, long t0, long h0, long o0, long p0, long[] nanos, long[] heap,
                              long[] nd4j, long[] pointers) {
        long t1 = System.nanoTime();
        long h1 = Counters.heapBytes();
        long o1 = Counters.nd4jObjects();
        long p1 = org.bytedeco.javacpp.Pointer.totalCount();
        if (timed) {
            nanos[s] += t1 - t0;
            heap[s] += h1 - h0;
            nd4j[s] += o1 - o0;
            pointers[s] += p1 - p0;
        }
        return s + 1;
    }

    /** The trainer's gather. */
    static INDArray gather(INDArray source, int[] order, int from, int to, ReusedArray buffer) {
        return dev.chainrule.engine.training.MinibatchRows.gather(source, order, from, to, buffer);
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
}
