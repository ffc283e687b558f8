package dev.chainrule.training;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Where one run of a job spent its time, logged at its end as {@code job <id> phases: name=ms ...} for operators and
 * bench/http/train_overhead.py: the wait for a worker, each step of the setup, the epochs, and what the service adds
 * around them (epoch rows, checkpoints, the version). Not thread-safe: one per run, on its worker's thread.
 */
final class JobTimings {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<String, Long> nanos = new LinkedHashMap<>();
    /** The worker thread's own CPU time of each lap: what a loaded machine's other processes do not inflate. */
    private final Map<String, Long> cpuNanos = new LinkedHashMap<>();
    private final long start = System.nanoTime();
    private long mark = start;
    private long cpuMark = cpuTime();
    private int checkpoints;
    private long queuedMillis = -1;

    /** The wait from the submit to the claim, as the record's clock shows them (null when unknown). */
    void queued(Instant created, Instant started) {
        if (created != null && started != null) {
            queuedMillis = Math.max(0, Duration.between(created, started).toMillis());
        }
    }

    /** The time since the previous mark (or the start) goes to {@code phase}. */
    void lap(String phase) {
        long now = System.nanoTime();
        long cpu = cpuTime();
        add(phase, now - mark);
        if (cpu >= 0 && cpuMark >= 0) {
            cpuNanos.merge(phase, cpu - cpuMark, Long::sum);
        }
        mark = now;
        cpuMark = cpu;
    }

    /** The next lap starts now: the time since the previous mark was counted elsewhere. */
    void mark() {
        mark = System.nanoTime();
        cpuMark = cpuTime();
    }

    /** Time measured elsewhere (e.g. inside the epochs) goes to {@code phase}; the mark is unchanged. */
    void add(String phase, long durationNanos) {
        nanos.merge(phase, durationNanos, Long::sum);
    }

    void checkpointWritten(long durationNanos) {
        checkpoints++;
        add("checkpoints", durationNanos);
    }

    long nanos(String phase) {
        return nanos.getOrDefault(phase, 0L);
    }

    /**
     * "queued=3 read=210 ... checkpoint-count=4 total=3900 cpu: read=190 ...": wall times in milliseconds (but the
     * count), then the worker thread's CPU milliseconds of each step it timed by laps.
     */
    String line() {
        StringJoiner out = new StringJoiner(" ");
        if (queuedMillis >= 0) {
            out.add("queued=" + queuedMillis);
        }
        nanos.forEach((phase, value) -> out.add(phase + "=" + value / 1_000_000));
        out.add("checkpoint-count=" + checkpoints);
        out.add("total=" + (System.nanoTime() - start) / 1_000_000);
        if (!cpuNanos.isEmpty()) {
            out.add("cpu:");
            cpuNanos.forEach((phase, value) -> out.add(phase + "=" + value / 1_000_000));
        }
        return out.toString();
    }

    /** The current thread's CPU time, or -1 where the JVM does not measure it. */
    private static long cpuTime() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }
}
