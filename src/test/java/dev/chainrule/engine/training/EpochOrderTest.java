package dev.chainrule.engine.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The trainer's row order: a permutation that depends on (seed, epoch) alone, or the identity without shuffling. */
class EpochOrderTest {

    @Test
    void shuffledOrderIsAPermutationThatDependsOnSeedAndEpochAlone() {
        int[] first = order(true, 42, 1);
        assertThat(Arrays.stream(first).sorted().toArray()).isEqualTo(IntStream.range(0, 1000).toArray());
        assertThat(first).isNotEqualTo(IntStream.range(0, 1000).toArray());
        assertThat(order(true, 42, 1)).isEqualTo(first);
        assertThat(order(true, 42, 2)).isNotEqualTo(first);
        assertThat(order(true, 43, 1)).isNotEqualTo(first);
    }

    @Test
    void shuffleIsFisherYatesFromTheSeedMixedWithTheEpoch() {
        // written out independently, so that a change to the order (which resumed runs rely on) fails here
        long seed = 7;
        int epoch = 3;
        int[] expected = IntStream.range(0, 50).toArray();
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = expected.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = expected[i];
            expected[i] = expected[j];
            expected[j] = t;
        }
        int[] order = new int[50];
        EpochOrder.fill(order, true, seed, epoch);
        assertThat(order).isEqualTo(expected);
    }

    @Test
    void withoutShufflingTheOrderIsTheRowsAsGiven() {
        int[] order = {5, 5, 5, 5};
        EpochOrder.fill(order, false, 42, 1);
        assertThat(order).containsExactly(0, 1, 2, 3);
    }

    private static int[] order(boolean shuffle, long seed, int epoch) {
        int[] order = new int[1000];
        EpochOrder.fill(order, shuffle, seed, epoch);
        return order;
    }
}
