package dev.chainrule.engine.kernel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads that run the parts of a split matrix product beside the thread that asked for it. A training step
 * hands out a part every few hundred microseconds; waking a sleeping thread for each (what an executor's queue
 * does) took tens of microseconds on a virtual machine, a fifth of what splitting gained. So a worker that has
 * finished a part keeps watching for the next one for {@link #WATCH_NANOS} (spinning, then yielding the CPU to
 * anything else runnable) before it sleeps, and the caller waits for its workers the same way.
 *
 * <p>A caller claims idle workers for its parts; parts no idle worker is left for run on the caller, so callers
 * never queue behind one another.
 */
final class PartWorkers {
    /** How long a worker watches for its next part, and a caller for its workers, before sleeping. */
    static final long WATCH_NANOS = 200_000;
    /** Within the watch, how long to spin before yielding the CPU between looks. */
    private static final long SPIN_NANOS = 20_000;

    private final Worker[] workers;

    PartWorkers(int count) {
        workers = new Worker[count];
        for (int i = 0; i < count; i++) {
            workers[i] = new Worker("engine-compute-" + (i + 1));
            workers[i].start();
        }
    }

    /**
     * Runs part(0) .. part(parts - 1), part 0 and any part no idle worker takes on the calling thread, and returns
     * when all have ended, rethrowing the first failure.
     */
    void runInParts(int parts, IntConsumer part) {
        Worker[] claimed = new Worker[parts - 1];
        int handedOut = 0;
        for (int w = 0; w < workers.length && handedOut < parts - 1; w++) {
            if (workers[w].claim()) {
                claimed[handedOut] = workers[w];
                workers[w].hand(part, parts - 1 - handedOut); // the last parts go out; 0 .. the rest stay here
                handedOut++;
            }
        }
        Throwable failure = null;
        for (int p = 0; p < parts - handedOut; p++) {
            try {
                part.accept(p);
            } catch (RuntimeException | Error e) { // the handed-out parts still end before this returns
                failure = failure == null ? e : failure;
            }
        }
        for (int w = 0; w < handedOut; w++) {
            Throwable failed = claimed[w].awaitAndRelease(); // every part ends before the product's memory is reused
            failure = failure == null ? failed : failure;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("a part of a split computation failed", failure);
        }
    }

    /** Stops the workers once they are idle (a new set replaces them). */
    void shutdown() {
        for (Worker worker : workers) {
            worker.interrupt();
        }
    }

    /** Watches {@code condition} for up to {@link #WATCH_NANOS}: true when it became true meanwhile. */
    private static boolean watch(java.util.function.BooleanSupplier condition) {
        long start = System.nanoTime();
        long elapsed;
        while ((elapsed = System.nanoTime() - start) < WATCH_NANOS) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (elapsed < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        return condition.getAsBoolean();
    }

    private static final class Worker extends Thread {
        private final AtomicBoolean claimed = new AtomicBoolean();
        private volatile IntConsumer work;
        private volatile int index;
        private volatile boolean finished;
        private volatile Throwable failure;
        private volatile boolean sleeping;
        private volatile Thread waiting;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        void hand(IntConsumer part, int partIndex) {
            index = partIndex;
            finished = false;
            failure = null;
            work = part;
            if (sleeping) { // read after work is written; the worker reads work after sleeping is: one sees the other
                LockSupport.unpark(this);
            }
        }

        Throwable awaitAndRelease() {
            if (!watch(() -> finished)) {
                waiting = Thread.currentThread();
                while (!finished) {
                    LockSupport.park(this);
                }
                waiting = null;
            }
            Throwable failed = failure;
            claimed.set(false);
            return failed;
        }

        @Override
        public void run() {
            while (true) {
                IntConsumer part = nextPart();
                if (part == null) {
                    return;
                }
                try {
                    part.accept(index);
                } catch (Throwable e) { // whatever a part throws goes to its caller, which must never wait forever
                    failure = e;
                }
                work = null;
                finished = true;
                Thread caller = waiting;
                if (caller != null) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** The next part handed over, or null once interrupted while no caller has claimed it. */
        private IntConsumer nextPart() {
            if (watch(() -> work != null)) {
                return work;
            }
            sleeping = true;
            IntConsumer part;
            while ((part = work) == null) {
                if (isInterrupted() && claimed.compareAndSet(false, true)) {
                    return null; // retired, and claimed for good: no caller can hand it a part now
                }
                LockSupport.park(this);
            }
            sleeping = false;
            return part;
        }
    }
}
