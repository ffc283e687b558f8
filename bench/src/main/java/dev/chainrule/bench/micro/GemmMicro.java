package dev.chainrule.bench.micro;

import dev.chainrule.bench.GemmLimit;
import dev.chainrule.engine.kernel.Blas;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * Each of the eight float32 products of one training step of the MLP at batch 128 (GemmLimit.PRODUCTS), into a
 * preallocated c: {@code engine} as the engine calls OpenBLAS ({@link Blas#gemm}: the arrays' memory, transposes as
 * flags), {@code nd4jGemm} through ND4J's Mmul op ({@code Nd4j.gemm}, what the engine called before issue 5).
 * With {@code -prof gc}, gc.alloc.rate.norm is the Java heap bytes each call allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmMicro {
    @Param({"fwd1", "fwd2", "fwd3", "dW1", "dW2", "dW3", "dX3", "dX2"})
    public String product;

    @Param({"1", "2"})
    public int blasThreads;

    private GemmLimit.Product p;
    private INDArray a;
    private INDArray b;
    private INDArray c;

    @Setup
    public void setUp() {
        MicroSettings.threads(blasThreads);
        p = GemmLimit.PRODUCTS.stream().filter(x -> x.name().equals(product)).findFirst().orElseThrow();
        Nd4j.getRandom().setSeed(42);
        a = Nd4j.rand(DataType.FLOAT, p.transposeA() ? p.k() : p.m(), p.transposeA() ? p.m() : p.k()).subi(0.5);
        b = Nd4j.rand(DataType.FLOAT, p.transposeB() ? p.n() : p.k(), p.transposeB() ? p.k() : p.n()).subi(0.5);
        c = Nd4j.create(DataType.FLOAT, new long[] {p.m(), p.n()}, 'c');
        // both ways give the same product before either is timed
        nd4jGemm();
        INDArray expected = c.dup();
        engine();
        double relative = expected.sub(c).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        if (relative > 1e-5) {
            throw new IllegalStateException(product + ": Blas.gemm and Nd4j.gemm differ, relative difference " + relative);
        }
    }

    @Benchmark
    public INDArray engine() {
        Blas.gemm(a, p.transposeA(), b, p.transposeB(), c, 1.0, 0.0);
        return c;
    }

    @Benchmark
    public INDArray nd4jGemm() {
        return Nd4j.gemm(a, b, c, p.transposeA(), p.transposeB(), 1.0, 0.0);
    }
}
