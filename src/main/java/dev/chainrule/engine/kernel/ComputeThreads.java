package dev.chainrule.engine.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The threads under the engine: libnd4j's OpenMP pool (element-wise ops, softmax), OpenBLAS (matrix products),
 * and the engine's own workers that run the parts of a split matrix product.
 *
 * <p>OpenBLAS runs single-threaded: its thread count is process-wide (openblas_set_num_threads_local is too in
 * the pthreads build JavaCPP ships), concurrent multi-threaded callers share one pool and spin for free workers,
 * and on a loaded machine its 2 threads ran a 128 x 784 x 256 product ~15x slower than 1
 * (bench/results/*-thread-policy.md). Instead each computing thread has a share: how many threads its
 * products may use, itself included ({@link #useShare}). {@link Blas#gemm} splits a large product into that many
 * blocks and runs them on the calling thread and on {@link #totalThreads()} - 1 workers shared by all ({@link PartWorkers}).
 * A job alone gets every thread, several jobs split them (the service sets each job's share at batch boundaries);
 * a thread that never sets a share (a prediction's request thread) computes on its own.
 *
 * <p>OpenMP's count (omp_set_num_threads) belongs to the thread that sets it: a thread started later begins
 * with the process default again. So every thread that trains or predicts calls {@link #applyToCurrentThread}
 * first (the trainer does at the start of each fit). With ND4J's default of one OpenMP thread per core, its
 * threads busy-waited against each other: the 4-epoch MNIST learning test took 530 s with it and 32 s with 1
 * thread on the loaded 2-core machine, so 1 is the default until {@link #configure} says otherwise.
 */
public final class ComputeThreads {
    private static volatile int nd4jThreads = 1;
    private static volatile int totalThreads = Runtime.getRuntime().availableProcessors();
    private static volatile PartWorkers workers;
    private static volatile boolean blasSingleThreaded;
    private static final ThreadLocal<Integer> appliedHere = ThreadLocal.withInitial(() -> 0);
    private static final ThreadLocal<Integer> share = ThreadLocal.withInitial(() -> 1);
    private static final AtomicInteger trainingJobs = new AtomicInteger();
    private static final AtomicInteger predictionsRunning = new AtomicInteger();

    private ComputeThreads() {
    }

    /**
     * Sets the OpenMP threads for this and every computing thread and the threads all matrix products share
     * (the most one product may use); OpenBLAS itself goes single-threaded.
     */
    public static synchronized void configure(int nd4jThreads, int totalThreads) {
        if (nd4jThreads < 1 || totalThreads < 1) {
            throw new IllegalArgumentException("thread counts must be at least 1, got " + nd4jThreads + ", " + totalThreads);
        }
        ComputeThreads.nd4jThreads = nd4jThreads;
        if (totalThreads != ComputeThreads.totalThreads && workers != null) {
            workers.shutdown(); // a new set of the new size starts on first use
            workers = null;
        }
        ComputeThreads.totalThreads = totalThreads;
        blasSingleThreaded = false; // set it again: a benchmark may have given OpenBLAS more threads for ND4J's own ops
        applyToCurrentThread();
    }

    /** The engine's default: 1 OpenMP thread, matrix products on every core. */
    public static void configureDefaults() {
        configure(1, Runtime.getRuntime().availableProcessors());
    }

    /** Gives the calling thread the configured OpenMP thread count, and OpenBLAS its single thread (once). */
    public static void applyToCurrentThread() {
        if (!blasSingleThreaded) {
            // after ND4J's backend is loaded: it sets OpenBLAS to one thread per core as it starts
            Nd4j.factory().blas().setMaxThreads(1);
            blasSingleThreaded = true;
        }
        int wanted = nd4jThreads;
        if (appliedHere.get() != wanted) {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(wanted);
            appliedHere.set(wanted);
        }
    }

    /** How many threads the calling thread's matrix products may use from now on, itself included (1..total). */
    public static void useShare(int threads) {
        share.set(Math.max(1, Math.min(threads, totalThreads)));
    }

    /** The calling thread's share: 1 unless it set one. */
    public static int shareOfCurrentThread() {
        return share.get();
    }

    /** A training job starts (+1) or ends (-1) here: what {@link #idleShare} goes by, with the predictions. */
    public static void trainingJobs(int change) {
        trainingJobs.addAndGet(change);
    }

    /**
     * The share a prediction about to start may take: every thread while no job trains and no other prediction
     * computes, else its own thread alone, so that it neither waits for other threads nor slows them (under a load of
     * requests every core is busy already, and splitting would only add hand-overs).
     */
    public static int idleShare() {
        return trainingJobs.get() == 0 && predictionsRunning.get() == 0 ? totalThreads : 1;
    }

    /**
     * A prediction starts (+1) or ends (-1) on its request thread: while any runs, the jobs' shares leave it a
     * thread ({@link #predictionsRunning}), so that its latency does not wait on a job's split products, and other
     * predictions compute on their own threads ({@link #idleShare}).
     */
    public static void predictions(int change) {
        predictionsRunning.addAndGet(change);
    }

    /** Predictions computing now, on their own threads. */
    public static int predictionsRunning() {
        return predictionsRunning.get();
    }

    /** The threads all matrix products share: a lone job's share. */
    public static int totalThreads() {
        return totalThreads;
    }

    /** OpenBLAS's own thread count now in force (1 once the engine has run). */
    public static int blasThreads() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    /** The OpenMP thread count the calling thread would use now. */
    public static int nd4jThreadsOfCurrentThread() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    /**
     * Runs part(0) .. part(parts - 1): the first on the calling thread, the others on idle workers (on the calling
     * thread where none is idle), and returns when all have (rethrowing the first failure).
     */
    public static void runInParts(int parts, IntConsumer part) {
        if (parts <= 1) {
            for (int p = 0; p < parts; p++) {
                part.accept(p);
            }
            return;
        }
        workers().runInParts(parts, part);
    }

    /** The workers (total - 1 of them, daemons) that run all but one part of each split product. */
    static PartWorkers workers() {
        PartWorkers pool = workers;
        if (pool == null) {
            synchronized (ComputeThreads.class) {
                pool = workers;
                if (pool == null) {
                    pool = new PartWorkers(Math.max(1, totalThreads - 1));
                    workers = pool;
                }
            }
        }
        return pool;
    }
}
