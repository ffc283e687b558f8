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
 * <p>While at most one job trains, OpenBLAS runs its own threads, one per core: a lone job's products (and the
 * predictions) get every core through OpenBLAS's threading, which is faster than any split of ours
 * (bench/results/*-peers.md). Once several jobs train at once, OpenBLAS's count, which is one setting for the
 * whole process, goes to 1 (its threads spin against each other when several callers want them,
 * bench/results/*-thread-policy.md), and each computing thread has a share instead ({@link #useShare}):
 * {@link Blas#gemm} splits a large product into that many blocks and runs them on the calling thread and on
 * {@link #totalThreads()} - 1 helper threads shared by all. Either way every product gives the same bits.
 * The service tells the engine how many jobs train ({@link #trainingJobs}) and sets each job's share at
 * batch boundaries.
 *
 * <p>OpenMP's count (omp_set_num_threads) belongs to the thread that sets it: a thread started later begins
 * with the process default again. So every thread that trains or predicts calls {@link #applyToCurrentThread}
 * first (the trainer does at the start of each fit). With ND4J's default of one OpenMP thread per core, its
 * threads busy-waited against each other (bench/results), so 1 is the default until {@link #configure} says
 * otherwise.
 */
public final class ComputeThreads {
    private static volatile int nd4jThreads = 1;
    private static volatile int totalThreads = Runtime.getRuntime().availableProcessors();
    private static volatile ExecutorService helpers;
    /** OpenBLAS's own thread count in force (0: not set yet). */
    private static volatile int openBlasThreads;
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
        openBlasThreads = 0; // set it again: a benchmark may have changed OpenBLAS's count for ND4J's own ops
        applyToCurrentThread();
    }

    /** The engine's default: 1 OpenMP thread, matrix products on every core. */
    public static void configureDefaults() {
        configure(1, Runtime.getRuntime().availableProcessors());
    }

    /** Gives the calling thread the configured OpenMP thread count, and OpenBLAS its count (once). */
    public static void applyToCurrentThread() {
        if (openBlasThreads == 0) {
            // after ND4J's backend is loaded: it sets OpenBLAS's count as it starts
            setOpenBlasThreads();
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

    /**
     * A training job starts (+1) or ends (-1) here: OpenBLAS's own threads serve while at most one trains, the
     * engine's split once several do; {@link #idleShare} goes by it too.
     */
    public static void trainingJobs(int change) {
        trainingJobs.addAndGet(change);
        setOpenBlasThreads();
    }

    /** How many training jobs the service says run now. */
    public static int trainingJobs() {
        return trainingJobs.get();
    }

    private static synchronized void setOpenBlasThreads() {
        int wanted = trainingJobs.get() <= 1 ? totalThreads : 1;
        if (wanted != openBlasThreads) {
            Nd4j.factory().blas().setMaxThreads(wanted);
            openBlasThreads = wanted;
        }
    }

    /** OpenBLAS's own thread count in force: every thread while at most one job trains, else 1. */
    public static int openBlasThreads() {
        if (openBlasThreads == 0) {
            setOpenBlasThreads();
        }
        return openBlasThreads;
    }

    /** The threads a product on the calling thread runs on: OpenBLAS's while it runs several, else the share. */
    public static int productThreads() {
        int blas = openBlasThreads();
        return blas > 1 ? blas : shareOfCurrentThread();
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

    /** OpenBLAS's own thread count as OpenBLAS reports it. */
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
    static void runInParts(int parts, java.util.function.IntConsumer part) {
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
