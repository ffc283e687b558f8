package dev.chainrule.sweep;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A sweep as GET /sweeps/{id} shows it: its settings, every trial, and the best one so far.
 *
 * @param search the strategy and the search space as requested
 */
public record Sweep(String id, String name, SweepState state, String stopReason, SweepMetric metric, String direction,
                    Integer patience, Map<String, Object> search, Instant createdAt, Instant finishedAt,
                    List<Trial> trials) {

    /**
     * One trial.
     *
     * @param status        WAITING, QUEUED or RUNNING (its job's state), SUCCEEDED, FAILED, CANCELLED or SKIPPED
     * @param metric        the sweep's metric of the trial's version (SUCCEEDED only; null when not finite)
     * @param finishedOrder 1, 2, ... in the order the sweep recorded its trials' ends; null before
     */
    public record Trial(int number, Map<String, Object> parameters, String status, String modelId, String jobId,
                        Integer version, Double metric, String failureReason, Instant finishedAt, Integer finishedOrder) {
    }

    /** Trials in each state, for the progress: done counts every trial that will not run any more. */
    public record Progress(int planned, int done, int succeeded, int failed, int cancelled, int skipped, int waiting,
                           int active) {
    }

    public Progress progress() {
        int succeeded = count("SUCCEEDED");
        int failed = count("FAILED");
        int cancelled = count("CANCELLED");
        int skipped = count("SKIPPED");
        int waiting = count("WAITING");
        return new Progress(trials.size(), succeeded + failed + cancelled + skipped, succeeded, failed, cancelled,
                skipped, waiting, trials.size() - succeeded - failed - cancelled - skipped - waiting);
    }

    private int count(String status) {
        return (int) trials.stream().filter(t -> t.status().equals(status)).count();
    }

    /** The succeeded trial with the best metric; a tie goes to the lower trial number. */
    public Optional<Trial> best() {
        return best(trials.stream().filter(t -> t.status().equals("SUCCEEDED")).map(t -> new Scored(t.number(), t.metric()))
                .toList(), direction).flatMap(number -> trials.stream().filter(t -> t.number() == number).findFirst());
    }

    /** A trial number and its metric (null: none). */
    record Scored(int number, Double metric) {
    }

    /** The number of the best scored trial with a metric. */
    static Optional<Integer> best(List<Scored> scored, String direction) {
        Comparator<Scored> byMetric = Comparator.comparingDouble(Scored::metric);
        if (direction.equals("maximize")) {
            byMetric = byMetric.reversed();
        }
        return scored.stream().filter(s -> s.metric() != null)
                .min(byMetric.thenComparingInt(Scored::number)).map(Scored::number);
    }
}
