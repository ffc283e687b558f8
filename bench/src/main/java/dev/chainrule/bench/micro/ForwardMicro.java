package dev.chainrule.bench.micro;

import dev.chainrule.bench.EngineBenchmark;
import dev.chainrule.engine.Network;
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
 * Inference: {@code Network.forward} of the benchmark's MLP (784-256-128-10, seed 42) on a reused batch of MNIST
 * rows, 1 or 128 at a time; the result is the network's own output buffer. Samples/s = batch / (us/op) x 1e6.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ForwardMicro {
    @Param({"1", "128"})
    public int batch;

    @Param({"1", "2"})
    public int blasThreads;

    private Network network;
    private INDArray x;

    @Setup
    public void setUp() {
        MicroSettings.threads(blasThreads);
        network = Network.initialised(EngineBenchmark.mlp(), 42);
        x = Mnist.training(batch).features();
    }

    @Benchmark
    public INDArray forward() {
        return network.forward(x);
    }
}
