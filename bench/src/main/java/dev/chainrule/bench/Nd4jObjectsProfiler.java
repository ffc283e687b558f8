package dev.chainrule.bench;

import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler beside {@code -prof gc}: ND4J native objects (data buffers, op contexts) created per op, from
 * ND4J's DeallocatorService id counter ({@link Counters}), as gc.alloc.rate.norm counts heap bytes per op. Each
 * is a native allocation and a reference the GC has to process. bench/run.sh --micro adds it
 * ({@code -prof dev.chainrule.bench.Nd4jObjectsProfiler}).
 */
public final class Nd4jObjectsProfiler implements InternalProfiler {
    private long before;

    @Override
    public String getDescription() {
        return "ND4J native objects (data buffers, op contexts) created per op";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
        before = Counters.nd4jObjects(); // in the forked JVM, where the benchmark's setup has loaded ND4J
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmark, IterationParams iteration,
                                                       IterationResult result) {
        long ops = result.getMetadata().getAllOps();
        if (!Counters.nd4jCounterAvailable() || ops == 0) {
            return List.of();
        }
        return List.of(new ScalarResult("nd4j.objects.norm", (Counters.nd4jObjects() - before) / (double) ops,
                "objects/op", AggregationPolicy.AVG));
    }
}
