package dev.chainrule.training;

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
    private final Map<String, Long> nanos = new LinkedHashMap<>();
    private final long start = System.nanoTime();
    private long mark = start;
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
        add(phase, now - mark);
        mark = now;
    }

    /** The next lap starts now: the time since the previous mark was counted elsewhere. */
    void mark() {
        mark = System.nanoTime();
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

    /** "queued=3 read=210 ... checkpoint-count=4 total=3900", every figure in milliseconds but the count. */
    String line() {
        StringJoiner out = new StringJoiner(" ");
        if (queuedMillis >= 0) {
            out.add("queued=" + queuedMillis);
        }
        nanos.forEach((phase, value) -> out.add(phase + "=" + value / 1_000_000));
        out.add("checkpoint-count=" + checkpoints);
        out.add("total=" + (System.nanoTime() - start) / 1_000_000);
        return out.toString();
    }
}
