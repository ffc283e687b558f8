package dev.chainrule.runtime;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.kernel.OpenBlasBuild;
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
 * <p>Thread policy (ComputeThreads): OpenBLAS runs single-threaded, and the engine splits each large matrix product
 * over the calling job's share of chainrule.jobs.blas-threads (default every core): a job alone gets them all,
 * running jobs split them (ComputeShares). ND4J's own OpenMP pool gets chainrule.jobs.nd4j-threads (default 1).
 * The start-up line names the OpenBLAS version and the kernel it chose for this CPU.
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
        log.info("ND4J ready in {} ms: backend {}, OpenBLAS {} kernel {} ({} thread per call), matrix products on {} "
                        + "threads split among running jobs, {} ND4J (OpenMP) threads, {} training workers",
                (System.nanoTime() - started) / 1_000_000, Nd4j.getBackend().getClass().getSimpleName(),
                OpenBlasBuild.version(), OpenBlasBuild.coreName(), ComputeThreads.blasThreads(),
                ComputeThreads.totalThreads(), jobs.nd4jThreads(), jobs.workers());
    }
}
