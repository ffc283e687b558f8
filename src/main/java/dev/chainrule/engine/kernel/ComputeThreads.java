package dev.chainrule.engine.kernel;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The two thread pools under the engine: libnd4j's OpenMP pool (element-wise ops, softmax) and OpenBLAS's
 * (matrix products).
 *
 * <p>Measured on 2 cores (bench/results): with ND4J's default of one OpenMP thread per core, the OpenMP
 * threads busy-wait against OpenBLAS's and against each other; training ran up to ~10-40x slower under load
 * than with 1 OpenMP thread, and at these array sizes element-wise work gains nothing from more threads.
 *
 * <p>The two settings reach threads differently. OpenBLAS's count is process-wide. OpenMP's
 * (omp_set_num_threads) belongs to the thread that sets it: a thread started later begins with the
 * process default again. So {@link #configure} records the OpenMP count, and every thread that trains or
 * predicts calls {@link #applyToCurrentThread} first (the trainer does at the start of each fit). In ND4J
 * 1.0.0-M2.1 {@code Nd4j.getEnvironment().setMaxThreads} changes neither.
 *
 * <p>Until {@link #configure} is called the OpenMP count is already the engine's 1 (OpenBLAS's stays as it
 * starts): a program or test that trains without configuring anything gets the policy too, instead of ND4J's
 * one thread per core spinning against OpenBLAS (the 4-epoch MNIST learning test took 530 s with ND4J's default
 * and 32 s with 1 thread, both on the loaded 2-core machine).
 */
public final class ComputeThreads {
    /** The OpenMP thread count to give each computing thread. */
    private static volatile int nd4jThreads = 1;
    private static final ThreadLocal<Integer> appliedHere = ThreadLocal.withInitial(() -> 0);

    private ComputeThreads() {
    }

    /** Sets OpenBLAS's threads for the process and the OpenMP threads for this and every computing thread. */
    public static void configure(int nd4jThreads, int blasThreads) {
        if (nd4jThreads < 1 || blasThreads < 1) {
            throw new IllegalArgumentException("thread counts must be at least 1, got " + nd4jThreads + ", " + blasThreads);
        }
        // Nd4j first: loading its backend sets up what NativeOpsHolder reads when it is first used
        Nd4j.factory().blas().setMaxThreads(blasThreads);
        ComputeThreads.nd4jThreads = nd4jThreads;
        applyToCurrentThread();
    }

    /** The engine's default: 1 OpenMP thread, OpenBLAS on every core. */
    public static void configureDefaults() {
        configure(1, Runtime.getRuntime().availableProcessors());
    }

    /** Gives the calling thread the configured OpenMP thread count (once per thread; cheap after that). */
    public static void applyToCurrentThread() {
        int wanted = nd4jThreads;
        if (wanted > 0 && appliedHere.get() != wanted) {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(wanted);
            appliedHere.set(wanted);
        }
    }

    /** OpenBLAS's thread count now in force. */
    public static int blasThreads() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    /** The OpenMP thread count the calling thread would use now. */
    public static int nd4jThreadsOfCurrentThread() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }
}
