package dev.chainrule.sweep;

import java.util.List;
import java.util.Map;

/**
 * A validated sweep, ready to store: every trial generated and checked.
 *
 * @param direction "minimize" or "maximize"
 * @param patience  stop after this many finished trials without a better metric; null: never
 * @param search    the strategy and the search space as requested, shown back by GET /sweeps/{id}
 */
public record SweepPlan(String name, SweepMetric metric, String direction, Integer patience, Map<String, Object> search,
                        List<TrialPlan> trials) {
    public SweepPlan {
        trials = List.copyOf(trials);
        if (trials.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs at least one trial");
        }
        if (!direction.equals("minimize") && !direction.equals("maximize")) {
            throw new IllegalArgumentException("direction must be minimize or maximize, got " + direction);
        }
    }
}
