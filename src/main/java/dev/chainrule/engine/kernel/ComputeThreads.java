package dev.chainrule.engine.kernel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The threads under the engine: libnd4j's OpenMP pool (element-wise ops, softmax), OpenBLAS (matrix products),
 * and the engine's own helpers that run the parts of a split matrix product.
 *
 * <p>OpenBLAS runs single-threaded: its thread count is process-wide (openblas_set_num_threads_local is too in
 * the pthreads build JavaCPP ships), concurrent multi-threaded callers share one pool and spin for free workers,
 * and on a loaded machine its 2 threads ran a 128 x 784 x 256 product ~15x slower than 1
 * (bench/results/*-thread-policy.md). Instead each computing thread has a share: how many threads its
 * products may use, itself included ({@link #useShare}). {@link Blas#gemm} splits a large product into that many
 * blocks and runs them on the calling thread and on {@link #totalThreads()} - 1 helper threads shared by all.
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
    private static volatile ExecutorService helpers;
    private static volatile boolean blasSingleThreaded;
    private static final ThreadLocal<Integer> appliedHere = ThreadLocal.withInitial(() -> 0);
    private static final ThreadLocal<Integer> share = ThreadLocal.withInitial(() -> 1);
    private static final AtomicInteger trainingJobs = new AtomicInteger();

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
        if (totalThreads != ComputeThreads.totalThreads && helpers != null) {
            helpers.shutdown(); // a new pool of the new size starts on first use
            helpers = null;
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

    /** A training job starts (+1) or ends (-1) here: what {@link #idleShare} goes by. */
    public static void trainingJobs(int change) {
        trainingJobs.addAndGet(change);
    }

    /**
     * The share a computation outside training may take now: every thread while no job trains, else its own thread
     * alone, so that it neither waits for the jobs' threads nor slows them.
     */
    public static int idleShare() {
        return trainingJobs.get() == 0 ? totalThreads : 1;
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
     * Runs part(0) .. part(parts - 1): the first on the calling thread, the others on the helpers, and returns when
     * all have (rethrowing the first failure).
     */
    public static void runInParts(int parts, java.util.function.IntConsumer part) {
        java.util.List<java.util.concurrent.Future<?>> others = new java.util.ArrayList<>(parts - 1);
        ExecutorService pool = helpers();
        for (int p = 1; p < parts; p++) {
            int index = p;
            try {
                others.add(pool.submit(() -> part.accept(index)));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                part.accept(index); // the pool was replaced by configure meanwhile: this part runs here
            }
        }
        RuntimeException failure = null;
        try {
            part.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        boolean interrupted = false;
        for (java.util.concurrent.Future<?> other : others) {
            while (true) {
                try {
                    other.get(); // every part ends before the product's memory may be reused
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The helper threads (total - 1 of them, daemons) that run all but one part of each split product. */
    static ExecutorService helpers() {
        ExecutorService pool = helpers;
        if (pool == null) {
            synchronized (ComputeThreads.class) {
                pool = helpers;
                if (pool == null) {
                    AtomicInteger number = new AtomicInteger();
                    pool = Executors.newFixedThreadPool(Math.max(1, totalThreads - 1), runnable -> {
                        Thread thread = new Thread(runnable, "engine-compute-" + number.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
                    helpers = pool;
                }
            }
        }
        return pool;
    }
}
