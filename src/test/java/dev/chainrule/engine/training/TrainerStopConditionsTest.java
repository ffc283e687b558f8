package dev.chainrule.engine.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.Network;
import dev.chainrule.engine.optim.OptimiserSettings;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The two ways a run ends early without early stopping: cooperative cancellation (polled before every
 * minibatch, so a request made during a batch stops the run before the next one) and divergence (a loss
 * that is no longer finite ends the run as DIVERGED with a reason that names the loss).
 */
class TrainerStopConditionsTest {
    private static final int N = 20;

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void cancellationDuringEpochOneStopsWithinOneBatch(DataType type) {
        Network network = TrainerFixtures.regressionNetwork(type, 171);
        Dataset data = TrainerFixtures.dataset(TrainerFixtures.regressionData(N, 172), type);
        AtomicBoolean cancel = new AtomicBoolean();
        AtomicInteger batches = new AtomicInteger();
        AtomicInteger polls = new AtomicInteger();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
                batches.incrementAndGet();
                if (epoch == 1 && batch == 3) {
                    cancel.set(true); // the caller asks to stop while batch 3 of epoch 1 is being handled
                }
            }
        };
        TrainingConfig config = TrainingConfig.of(5, 2, OptimiserSettings.sgd(0.05), 1);
        TrainingResult result = new Trainer(network, config).fit(data, null, listener, () -> {
            polls.incrementAndGet();
            return cancel.get();
        });
        assertThat(result.outcome()).isEqualTo(TrainingOutcome.CANCELLED);
        assertThat(batches.get()).as("no batch after the one during which cancellation was asked").isEqualTo(3);
        assertThat(polls.get()).as("polled before each of the 3 batches and once more").isEqualTo(4);
        assertThat(result.history()).isEmpty();
        assertThat(result.failureReason()).isNull();
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void cancellationInALaterEpochKeepsTheFinishedEpochs(DataType type) {
        Network network = TrainerFixtures.regressionNetwork(type, 173);
        Dataset data = TrainerFixtures.dataset(TrainerFixtures.regressionData(N, 174), type);
        AtomicInteger batches = new AtomicInteger();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
                batches.incrementAndGet();
            }
        };
        // 10 batches per epoch; cancelled once 13 have run, i.e. during batch 3 of epoch 2
        TrainingConfig config = TrainingConfig.of(5, 2, OptimiserSettings.sgd(0.05), 1);
        TrainingResult result = new Trainer(network, config).fit(data, null, listener, () -> batches.get() >= 13);
        assertThat(result.outcome()).isEqualTo(TrainingOutcome.CANCELLED);
        assertThat(batches.get()).isEqualTo(13);
        assertThat(result.history()).hasSize(1);
        assertThat(result.bestEpoch()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void anAbsurdLearningRateDiverges(DataType type) {
        Network network = TrainerFixtures.regressionNetwork(type, 175);
        Dataset data = TrainerFixtures.dataset(TrainerFixtures.regressionData(N, 176), type);
        TrainerFixtures.BatchLog log = new TrainerFixtures.BatchLog();
        TrainingConfig config = TrainingConfig.of(50, 4, OptimiserSettings.sgd(1e6), 1);
        TrainingResult result = new Trainer(network, config).fit(data, null, log, () -> false);

        assertThat(result.outcome()).isEqualTo(TrainingOutcome.DIVERGED);
        assertThat(result.failureReason()).contains("loss").containsAnyOf("NaN", "Infinity");
        // it stopped at the first non-finite loss: every batch the listener saw had a finite one
        assertThat(log.losses).allMatch(Double::isFinite);
        assertThat(log.losses).isNotEmpty();
        assertThat(result.history()).allMatch(report -> Double.isFinite(report.trainingLoss()));
        assertThat(result.history().size()).isLessThan(50);
    }
}
