package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.kernel.ComputeThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Splits the engine's threads (chainrule.jobs.blas-threads, default every core) among the jobs running on this
 * replica: a job alone gets them all, n jobs get total / n each (the first total % n one more), never fewer than 1;
 * while predictions compute, a thread fewer for each.
 * A job's trainer asks for its share before every minibatch, so the split follows jobs as they start and end.
 * Public for the benchmark (bench ThreadPolicyBench), which runs jobs through it as the service does.
 */
@Component
public class ComputeShares {
    private final int total;
    /** The running jobs' shares in the order they joined: the earlier ones get the remainder. */
    private final List<Share> running = new ArrayList<>();

    @Autowired
    ComputeShares(ChainruleProperties properties) {
        this(properties.jobs().blasThreads());
    }

    public ComputeShares(int total) {
        if (total < 1) {
            throw new IllegalArgumentException("at least 1 thread to share, got " + total);
        }
        this.total = total;
    }

    /** A job starts: its share, to close when it ends. */
    public synchronized Share join() {
        Share share = new Share();
        running.add(share);
        ComputeThreads.trainingJobs(1);
        return share;
    }

    public synchronized int runningJobs() {
        return running.size();
    }

    private synchronized int threadsOf(Share share) {
        int index = running.indexOf(share);
        if (index < 0) {
            return 1; // ended: whatever still runs computes on its own thread
        }
        int jobs = running.size();
        // each prediction computing now keeps its thread (it computes on its request thread alone while jobs train)
        int free = Math.max(1, total - ComputeThreads.predictionsRunning());
        return Math.max(1, free / jobs + (index < free % jobs ? 1 : 0));
    }

    private synchronized void leave(Share share) {
        if (running.remove(share)) {
            ComputeThreads.trainingJobs(-1);
        }
    }

    /** One running job's share of the threads; {@link #getAsInt} is its thread count now. */
    public final class Share implements IntSupplier, AutoCloseable {
        @Override
        public int getAsInt() {
            return threadsOf(this);
        }

        @Override
        public void close() {
            leave(this);
        }
    }
}
