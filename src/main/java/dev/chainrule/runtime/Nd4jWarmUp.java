package dev.chainrule.runtime;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.kernel.ComputeThreads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Loads ND4J's native backend, applies the thread policy, and runs one GEMM before the service reports
 * ready. ND4J initialises on first use and that takes seconds (native libraries are extracted and loaded); a
 * user's first request should not pay for it. Spring Boot marks the application ready only after every
 * ApplicationRunner has returned.
 *
 * <p>Thread policy: OpenBLAS's thread count is process-wide, so it is set once to
 * chainrule.jobs.blas-threads (default cores / workers): with every worker busy, the BLAS threads of all
 * jobs together match the cores instead of oversubscribing them. ND4J's own OpenMP pool gets
 * chainrule.jobs.nd4j-threads (default 1).
 */
@Component
public class Nd4jWarmUp implements ApplicationRunner {
    private static final Logger log = LoggerFactory.getLogger(Nd4jWarmUp.class);
    private final ChainruleProperties.Jobs jobs;

    public Nd4jWarmUp(ChainruleProperties properties) {
        this.jobs = properties.jobs();
    }

    @Override
    public void run(ApplicationArguments args) {
        long started = System.nanoTime();
        ComputeThreads.configure(jobs.nd4jThreads(), jobs.blasThreads());
        INDArray a = Nd4j.rand(DataType.FLOAT, 64, 64);
        INDArray c = Nd4j.create(DataType.FLOAT, 64, 64);
        Nd4j.gemm(a, a, c, false, true, 1.0, 0.0);
        log.info("ND4J ready in {} ms: backend {}, BLAS {} with {} threads, {} ND4J (OpenMP) threads, {} training workers",
                (System.nanoTime() - started) / 1_000_000, Nd4j.getBackend().getClass().getSimpleName(),
                Nd4j.factory().blas().getBlasVendor(), ComputeThreads.blasThreads(), jobs.nd4jThreads(), jobs.workers());
    }
}
