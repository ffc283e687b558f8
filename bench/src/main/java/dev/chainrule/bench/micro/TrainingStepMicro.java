package dev.chainrule.bench.micro;

import dev.chainrule.bench.EngineBenchmark;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.kernel.ReusedArray;
import dev.chainrule.engine.optim.Optimiser;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochOrder;
import dev.chainrule.engine.training.MetricAccumulator;
import dev.chainrule.engine.training.MinibatchRows;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One minibatch of Trainer.fit's loop, with the engine's own calls in its order: gather x and y over the trainer's
 * row order (EpochOrder, seed 42), Network.computeGradients, MetricAccumulator.add, one SGD step (lr 0.1) on the
 * benchmark's MLP, over MNIST's first 12800 rows, batch 128, cycling through the epoch's 100 batches (the
 * order is reshuffled per epoch). With {@code -prof gc}, gc.alloc.rate.norm is the heap bytes of one training batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrainingStepMicro {
    static final int ROWS = 12800;
    static final int BATCH = 128;

    @Param({"1", "2"})
    public int blasThreads;

    private Dataset data;
    private Network network;
    private Optimiser optimiser;
    private MetricAccumulator metrics;
    private final ReusedArray bx = new ReusedArray();
    private final ReusedArray by = new ReusedArray();
    private final int[] order = new int[ROWS];
    private int batch;
    private int epoch;

    @Setup
    public void setUp() {
        MicroSettings.threads(blasThreads);
        data = Mnist.training(ROWS);
        network = Network.initialised(EngineBenchmark.mlp(), 42);
        optimiser = OptimiserSettings.sgd(0.1).create();
        metrics = new MetricAccumulator(network.definition().loss());
        epoch = 1;
        EpochOrder.fill(order, true, 42, epoch);
    }

    @Benchmark
    public double step() {
        if (batch == ROWS / BATCH) {
            batch = 0;
            EpochOrder.fill(order, true, 42, ++epoch);
            metrics = new MetricAccumulator(network.definition().loss());
        }
        int from = batch++ * BATCH;
        INDArray x = MinibatchRows.gather(data.features(), order, from, from + BATCH, bx);
        INDArray y = MinibatchRows.gather(data.targets(), order, from, from + BATCH, by);
        double loss = network.computeGradients(x, y);
        metrics.add(network.lastOutput(), y);
        optimiser.step(network.parameters());
        return loss;
    }
}
