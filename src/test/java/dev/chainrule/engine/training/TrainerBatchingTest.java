package dev.chainrule.engine.training;

import static dev.chainrule.engine.training.TrainerFixtures.manualStep;
import static dev.chainrule.engine.training.TrainerFixtures.maxDifference;
import static dev.chainrule.engine.training.TrainerFixtures.rows;
import static dev.chainrule.engine.training.TrainerFixtures.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.Network;
import dev.chainrule.engine.optim.OptimiserSettings;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Minibatch sizes at both ends (seed 003/004): batch = N is full-batch gradient descent, one step per epoch on
 * the whole data's mean gradient; batch = 1 is per-example SGD, N steps per epoch. Each is replayed by hand
 * on a copy of the network (float64, no shuffling so the order is known) with {@link TrainerFixtures#manualStep}.
 *
 * <p>Tolerances: the trainer's step goes through BLAS axpy, the manual one through Java's theta - lr * g; they
 * can differ by a rounding per step (~1e-16 on weights of order 1), so one step is compared to 1e-15, and a
 * dozen steps, where such differences also pass through the following gradients, to 1e-13.
 */
class TrainerBatchingTest {
    private static final int N = 12;
    private static final double LR = 0.1;

    @Test
    void oneEpochOfFullBatchSgdIsOneManualGradientStep() {
        double[][][] xy = TrainerFixtures.regressionData(N, 151);
        Network trained = TrainerFixtures.regressionNetwork(DataType.DOUBLE, 152);
        Network manual = trained.copy();
        double lossBefore = manualStep(manual, xy[0], xy[1], LR, 0, 0);

        TrainerFixtures.BatchLog log = new TrainerFixtures.BatchLog();
        TrainingConfig config = TrainingConfig.of(1, N, OptimiserSettings.sgd(LR), 1).withShuffle(false);
        TrainingResult result = new Trainer(trained, config).fit(TrainerFixtures.dataset(xy, DataType.DOUBLE), null, log, () -> false);

        assertThat(result.outcome()).isEqualTo(TrainingOutcome.COMPLETED);
        assertThat(log.batches).hasSize(1);
        assertThat(log.batches.get(0)).containsExactly(1, 1, 1);
        assertThat(log.losses.get(0)).isEqualTo(lossBefore);
        assertThat(result.lastEpoch().trainingLoss()).isCloseTo(lossBefore, within(1e-15 * lossBefore));
        assertThat(maxDifference(values(trained), values(manual))).isLessThanOrEqualTo(1e-15);
        assertThat(maxDifference(values(trained), values(trained.copy()))).isZero();
    }

    @Test
    void shuffledFullBatchWithOversizedBatchIsStillOneStep() {
        // batchSize > N is clamped to N; shuffling only permutes the rows of the one batch, which changes the
        // summation order of x^T delta (round-off of ~1e-16 relative), not the gradient
        double[][][] xy = TrainerFixtures.regressionData(N, 153);
        Network trained = TrainerFixtures.regressionNetwork(DataType.DOUBLE, 154);
        Network manual = trained.copy();
        manualStep(manual, xy[0], xy[1], LR, 0, 0);
        TrainerFixtures.BatchLog log = new TrainerFixtures.BatchLog();
        TrainingConfig config = TrainingConfig.of(1, 10 * N, OptimiserSettings.sgd(LR), 99);
        new Trainer(trained, config).fit(TrainerFixtures.dataset(xy, DataType.DOUBLE), null, log, () -> false);
        assertThat(log.batches).hasSize(1);
        assertThat(maxDifference(values(trained), values(manual))).isLessThanOrEqualTo(1e-14);
    }

    @Test
    void batchSizeOneIsPerExampleSgdInOrder() {
        double[][][] xy = TrainerFixtures.regressionData(N, 155);
        Network trained = TrainerFixtures.regressionNetwork(DataType.DOUBLE, 156);
        Network manual = trained.copy();
        double[] manualLosses = new double[2 * N];
        for (int epoch = 0; epoch < 2; epoch++) {
            for (int t = 0; t < N; t++) {
                manualLosses[epoch * N + t] = manualStep(manual, rows(xy[0], t, t + 1), rows(xy[1], t, t + 1), LR, 0, 0);
            }
        }

        TrainerFixtures.BatchLog log = new TrainerFixtures.BatchLog();
        TrainingConfig config = TrainingConfig.of(2, 1, OptimiserSettings.sgd(LR), 1).withShuffle(false);
        TrainingResult result = new Trainer(trained, config).fit(TrainerFixtures.dataset(xy, DataType.DOUBLE), null, log, () -> false);

        assertThat(result.outcome()).isEqualTo(TrainingOutcome.COMPLETED);
        assertThat(log.batches).hasSize(2 * N);
        for (int i = 0; i < 2 * N; i++) {
            assertThat(log.batches.get(i)).containsExactly(i / N + 1, i % N + 1, N);
            assertThat(log.losses.get(i)).isCloseTo(manualLosses[i], within(1e-13));
        }
        assertThat(maxDifference(values(trained), values(manual))).isLessThanOrEqualTo(1e-13);
        // an epoch's training loss is the mean of its batches' losses, each at the weights it was computed with
        for (int epoch = 0; epoch < 2; epoch++) {
            double mean = 0;
            for (int t = 0; t < N; t++) {
                mean += manualLosses[epoch * N + t] / N;
            }
            assertThat(result.history().get(epoch).trainingLoss()).isCloseTo(mean, within(1e-13));
        }
    }

    @Test
    void aShortLastBatchIsAStepOnTheRemainingRows() {
        // 12 rows in batches of 5: 5, 5, then 2; the loss of the epoch weighs each batch by its rows
        double[][][] xy = TrainerFixtures.regressionData(N, 157);
        Network trained = TrainerFixtures.regressionNetwork(DataType.DOUBLE, 158);
        Network manual = trained.copy();
        int[][] spans = {{0, 5}, {5, 10}, {10, 12}};
        double weighted = 0;
        for (int[] s : spans) {
            weighted += manualStep(manual, rows(xy[0], s[0], s[1]), rows(xy[1], s[0], s[1]), LR, 0, 0) * (s[1] - s[0]);
        }
        TrainerFixtures.BatchLog log = new TrainerFixtures.BatchLog();
        TrainingConfig config = TrainingConfig.of(1, 5, OptimiserSettings.sgd(LR), 1).withShuffle(false);
        TrainingResult result = new Trainer(trained, config).fit(TrainerFixtures.dataset(xy, DataType.DOUBLE), null, log, () -> false);
        assertThat(log.batches).extracting(b -> b[2]).containsOnly(3);
        assertThat(log.batches).hasSize(3);
        assertThat(maxDifference(values(trained), values(manual))).isLessThanOrEqualTo(1e-14);
        assertThat(result.lastEpoch().trainingLoss()).isCloseTo(weighted / N, within(1e-14));
    }

    @Test
    void shuffledEpochsVisitEveryRowOnceInANewOrder() {
        // a learning rate of 1e-300 leaves the weights as they are (theta - 1e-300 g rounds back to theta), so
        // each batch loss of per-example SGD is the loss of one row at the initial weights: the losses the
        // listener sees in an epoch must be a permutation of the N rows' own losses, in a new order per epoch
        double[][][] xy = TrainerFixtures.regressionData(N, 159);
        Network trained = TrainerFixtures.regressionNetwork(DataType.DOUBLE, 160);
        double[] rowLosses = new double[N];
        for (int t = 0; t < N; t++) {
            rowLosses[t] = trained.loss(TrainerFixtures.nd(rows(xy[0], t, t + 1)), TrainerFixtures.nd(rows(xy[1], t, t + 1)));
        }
        TrainerFixtures.BatchLog log = new TrainerFixtures.BatchLog();
        TrainingConfig config = TrainingConfig.of(3, 1, OptimiserSettings.sgd(1e-300), 5);
        TrainingResult result = new Trainer(trained, config).fit(TrainerFixtures.dataset(xy, DataType.DOUBLE), null, log, () -> false);
        assertThat(log.batches).hasSize(3 * N);
        int[][] orders = new int[3][N];
        for (int epoch = 0; epoch < 3; epoch++) {
            boolean[] seen = new boolean[N];
            for (int b = 0; b < N; b++) {
                double loss = log.losses.get(epoch * N + b);
                int row = -1;
                for (int t = 0; t < N; t++) {
                    if (Math.abs(rowLosses[t] - loss) <= 1e-15 * rowLosses[t]) {
                        assertThat(row).as("row losses are distinct").isEqualTo(-1);
                        row = t;
                    }
                }
                assertThat(row).as("epoch %d batch %d is one of the rows", epoch + 1, b + 1).isNotNegative();
                assertThat(seen[row]).as("row %d visited twice in epoch %d", row, epoch + 1).isFalse();
                seen[row] = true;
                orders[epoch][b] = row;
            }
            List<Double> epochLosses = log.losses.subList(epoch * N, (epoch + 1) * N);
            double mean = epochLosses.stream().mapToDouble(Double::doubleValue).sum() / N;
            assertThat(result.history().get(epoch).trainingLoss()).isCloseTo(mean, within(1e-14));
        }
        int[] identity = java.util.stream.IntStream.range(0, N).toArray();
        assertThat(orders[0]).isNotEqualTo(identity);
        assertThat(orders[1]).isNotEqualTo(orders[0]);
        assertThat(orders[2]).isNotEqualTo(orders[1]);
    }
}
