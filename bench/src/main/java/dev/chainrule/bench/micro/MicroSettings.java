package dev.chainrule.bench.micro;

import dev.chainrule.engine.kernel.ComputeThreads;

/**
 * The thread setting of a micro benchmark, as the engine runs: 1 OpenMP thread, OpenBLAS itself single-threaded,
 * and the benchmark thread's matrix products split over {@code blasThreads} threads (ComputeThreads' share: 1, or
 * the engine's split over 2).
 */
final class MicroSettings {
    private MicroSettings() {
    }

    /** Applies the setting on the calling thread (JMH calls trial-level setups on the benchmark's own thread). */
    static void threads(int blasThreads) {
        ComputeThreads.configure(1, blasThreads);
        ComputeThreads.useShare(blasThreads);
        if (ComputeThreads.shareOfCurrentThread() != blasThreads || ComputeThreads.blasThreads() != 1
                || ComputeThreads.nd4jThreadsOfCurrentThread() != 1) {
            throw new IllegalStateException("thread setting not in force: share " + ComputeThreads.shareOfCurrentThread()
                    + ", OpenBLAS " + ComputeThreads.blasThreads() + ", OpenMP " + ComputeThreads.nd4jThreadsOfCurrentThread());
        }
    }
}
