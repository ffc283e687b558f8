package dev.chainrule.engine;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The two thread pools under the engine, both process-wide: libnd4j's OpenMP pool (element-wise ops, row
 * gathers, softmax) and OpenBLAS's (matrix products).
 *
 * <p>Measured on 2 cores (bench/results): with ND4J's default of one OpenMP thread per core, the OpenMP
 * threads busy-wait against OpenBLAS's and against each other, and training ran ~40x slower under load than
 * with 1 OpenMP thread; at these array sizes element-wise work gains nothing from more threads. In ND4J
 * 1.0.0-M2.1 {@code Nd4j.getEnvironment().setMaxThreads} does not change the OpenMP pool; the native
 * {@code setOmpNumThreads} does.
 */
public final class ComputeThreads {
    private ComputeThreads() {
    }

    /** Sets both pools; call once, before training or serving. */
    public static void configure(int nd4jThreads, int blasThreads) {
        if (nd4jThreads < 1 || blasThreads < 1) {
            throw new IllegalArgumentException("thread counts must be at least 1, got " + nd4jThreads + ", " + blasThreads);
        }
        // Nd4j first: loading its backend sets up what NativeOpsHolder reads when it is first used
        Nd4j.factory().blas().setMaxThreads(blasThreads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(nd4jThreads);
    }

    /** The engine's default: 1 OpenMP thread, OpenBLAS on every core. */
    public static void configureDefaults() {
        configure(1, Runtime.getRuntime().availableProcessors());
    }

    /** OpenBLAS's thread count now in force. */
    public static int blasThreads() {
        return Nd4j.factory().blas().getMaxThreads();
    }
}
