package dev.chainrule.engine.training;

import java.util.SplittableRandom;

/**
 * The order in which an epoch visits the training rows: epoch e's permutation is a function of (seed, e) alone,
 * so a resumed run repeats it exactly and the benchmarks can replay the trainer's minibatches.
 */
public final class EpochOrder {
    private EpochOrder() {
    }

    /** Fills {@code order} with 0..n-1, shuffled (Fisher-Yates) for {@code seed} and {@code epoch} when asked to. */
    public static void fill(int[] order, boolean shuffle, long seed, int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (!shuffle) {
            return;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
