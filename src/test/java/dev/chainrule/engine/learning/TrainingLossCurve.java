package dev.chainrule.engine.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.TrainingOutcome;
import dev.chainrule.engine.training.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The per-epoch training losses of a run, and the check that training made them fall. */
final class TrainingLossCurve {
    /** The curve is judged over this many consecutive stretches of epochs (fewer for short runs). */
    static final int STRETCHES = 5;

    private TrainingLossCurve() {
    }

    /**
     * Asserts the run completed and its training loss fell: the mean loss of each of up to {@link #STRETCHES}
     * equal stretches of epochs is below the one before (with 5 epochs or fewer, each epoch below the last),
     * and the last epoch's loss is at most {@code finalFraction} of the first's.
     */
    static void assertFalls(TrainingResult result, double finalFraction) {
        assertThat(result.outcome()).as(result.failureReason()).isEqualTo(TrainingOutcome.COMPLETED);
        List<EpochReport> history = result.history();
        double[] losses = history.stream().mapToDouble(EpochReport::trainingLoss).toArray();
        int stretches = Math.min(STRETCHES, losses.length);
        List<Double> means = new ArrayList<>();
        for (int s = 0; s < stretches; s++) {
            int from = s * losses.length / stretches;
            int to = (s + 1) * losses.length / stretches;
            double sum = 0;
            for (int e = from; e < to; e++) {
                sum += losses[e];
            }
            means.add(sum / (to - from));
        }
        for (int s = 1; s < means.size(); s++) {
            assertThat(means.get(s)).as("mean training loss of stretch %d of %s", s + 1, means).isLessThan(means.get(s - 1));
        }
        assertThat(losses[losses.length - 1]).as("last epoch's training loss vs the first's")
                .isLessThanOrEqualTo(finalFraction * losses[0]);
    }

    /** "1.0986 -> 0.5012 -> ... -> 0.0431": the first, a few intermediate and the last epoch's loss. */
    static String summary(TrainingResult result) {
        List<EpochReport> history = result.history();
        StringBuilder text = new StringBuilder();
        int shown = Math.min(6, history.size());
        for (int i = 0; i < shown; i++) {
            int epoch = shown == 1 ? 0 : (int) Math.round(i * (history.size() - 1) / (double) (shown - 1));
            text.append(i == 0 ? "" : " -> ").append(String.format(Locale.ROOT, "%.4f (e%d)",
                    history.get(epoch).trainingLoss(), epoch + 1));
        }
        return text.toString();
    }
}
