package dev.chainrule.bench.micro;

import dev.chainrule.engine.kernel.ComputeThreads;

/** The thread setting of a micro benchmark: 1 OpenMP thread (the engine's policy) and the given OpenBLAS threads. */
final class MicroSettings {
    private MicroSettings() {
    }

    /** Applies the setting on the calling thread (JMH calls trial-level setups on the benchmark's own thread). */
    static void threads(int blasThreads) {
        ComputeThreads.configure(1, blasThreads);
        if (ComputeThreads.blasThreads() != blasThreads || ComputeThreads.nd4jThreadsOfCurrentThread() != 1) {
            throw new IllegalStateException("thread setting not in force: OpenBLAS " + ComputeThreads.blasThreads()
                    + ", OpenMP " + ComputeThreads.nd4jThreadsOfCurrentThread());
        }
    }
}
