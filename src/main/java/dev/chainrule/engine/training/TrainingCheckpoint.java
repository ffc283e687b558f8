package dev.chainrule.engine.training;

import dev.chainrule.engine.optim.OptimiserState;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything a training run needs to continue after an epoch exactly as if it had never stopped: handed to
 * {@link TrainingListener#onCheckpoint} at every epoch end, and taken by {@link Trainer#fit(Dataset, Dataset,
 * TrainingListener, java.util.function.BooleanSupplier, TrainingCheckpoint)} to resume.
 *
 * <p>There is no random generator state to keep: the only randomness of a run is the row order, and the
 * trainer draws epoch e's permutation from a new SplittableRandom seeded by (shuffleSeed, e) alone
 * ({@link EpochOrder}), so the configuration's seed and the epoch number give every later epoch's order.
 *
 * <p>The arrays are copies taken at the epoch's end (the best-epoch snapshot may be shared with later
 * checkpoints, as it does not change until a better epoch replaces it); treat them as read-only. A listener
 * may hand a checkpoint to another thread: training does not touch it.
 *
 * @param epochsCompleted epochs finished; a resumed run continues with the next one
 * @param parameters      every parameter's value at that epoch's end, by name in {@code Network.parameters()}
 *                        order
 * @param optimiser       the optimiser's state at that point
 * @param best            the best-epoch tracking that early stopping and the result's bestEpoch rely on
 * @param history         one report per finished epoch, in order
 */
public record TrainingCheckpoint(int epochsCompleted, Map<String, INDArray> parameters, OptimiserState optimiser,
                                 BestSoFar best, List<EpochReport> history) {

    public TrainingCheckpoint {
        Objects.requireNonNull(optimiser, "optimiser");
        Objects.requireNonNull(best, "best");
        parameters = ordered(parameters);
        history = List.copyOf(history);
        if (epochsCompleted < 1) {
            throw new IllegalArgumentException("a checkpoint follows a finished epoch; epochsCompleted is " + epochsCompleted);
        }
        if (history.size() != epochsCompleted) {
            throw new IllegalArgumentException("history has " + history.size() + " epochs; expected " + epochsCompleted);
        }
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).epoch() != i + 1) {
                throw new IllegalArgumentException("history entry " + i + " is epoch " + history.get(i).epoch() + "; expected " + (i + 1));
            }
        }
        if (best.epoch() < 1 || best.epoch() > epochsCompleted
                || best.epochsWithoutImprovement() != epochsCompleted - best.epoch()) {
            throw new IllegalArgumentException("best epoch " + best.epoch() + " with " + best.epochsWithoutImprovement()
                    + " epochs without improvement does not fit " + epochsCompleted + " completed epochs");
        }
    }

    /**
     * The lowest monitored loss so far (validation loss, or training loss without validation data) and when
     * it was reached.
     *
     * @param loss                     that loss, the one later epochs must beat by more than minDelta
     * @param epoch                    the epoch that reached it
     * @param epochsWithoutImprovement epochs since then; early stopping ends the run when it reaches patience
     * @param parameters               the parameters at the end of that epoch, by name as in the checkpoint,
     *                                 kept only when early stopping restores the best epoch; null otherwise
     */
    public record BestSoFar(double loss, int epoch, int epochsWithoutImprovement, Map<String, INDArray> parameters) {
        public BestSoFar {
            if (Double.isNaN(loss)) {
                throw new IllegalArgumentException("the best loss is a number");
            }
            if (epochsWithoutImprovement < 0) {
                throw new IllegalArgumentException("epochsWithoutImprovement must be >= 0, got " + epochsWithoutImprovement);
            }
            parameters = parameters == null ? null : ordered(parameters);
        }
    }

    /** An unmodifiable copy that keeps the given order (the order of the network's parameters). */
    private static Map<String, INDArray> ordered(Map<String, INDArray> arrays) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
    }
}
