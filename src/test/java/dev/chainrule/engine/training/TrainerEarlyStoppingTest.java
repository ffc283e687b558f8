package dev.chainrule.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.TestArrays;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Early stopping on a run whose validation loss first falls and then rises: a linear unit y-hat = s x + b
 * starts at s = 0 and is trained by full-batch descent towards training targets y = 2x, while validation
 * targets are y = x, so the validation loss is least around s = 1 (a few epochs in) and grows after.
 *
 * <p>A reference run without early stopping records every epoch's validation loss and parameters (identical
 * computations, so identical numbers); the expected stopping epoch and best epoch are then derived from those
 * losses with the rule as documented ("not improved by more than minDelta for patience epochs in a row").
 */
class TrainerEarlyStoppingTest {
    private static final int EPOCHS = 15;

    private Dataset training;
    private Dataset validation;

    @BeforeEach
    void setUp() {
        SplittableRandom random = new SplittableRandom(161);
        double[][] x = TestArrays.uniform(random, 20, 1, -1, 1);
        double[][] y = new double[20][1];
        for (int t = 0; t < 20; t++) {
            y[t][0] = 2 * x[t][0];
        }
        double[][] xv = TestArrays.uniform(random, 10, 1, -1, 1);
        training = new Dataset(TestArrays.nd(x), TestArrays.nd(y));
        validation = new Dataset(TestArrays.nd(xv), TestArrays.nd(xv));
    }

    private static Network network() {
        NetworkDefinition definition = new NetworkDefinition(1, List.of(new LayerSpec(1, Activation.LINEAR)),
                LossKind.SQUARED_ERROR, WeightInitialiser.XAVIER);
        Network network = Network.create(definition, DataType.DOUBLE, LossKind.DEFAULT_EPSILON);
        network.initialise(1);
        network.denseLayers().get(0).weights().assign(0);
        return network;
    }

    private static TrainingConfig config(int epochs) {
        return TrainingConfig.of(epochs, 20, OptimiserSettings.sgd(0.2), 1).withShuffle(false);
    }

    /** Each epoch's validation loss and the parameters at its end, from a run without early stopping. */
    private record Reference(List<Double> validationLosses, List<List<INDArray>> snapshots) {
    }

    private Reference reference() {
        Network network = network();
        List<Double> losses = new ArrayList<>();
        List<List<INDArray>> snapshots = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onEpoch(EpochReport report) {
                losses.add(report.validationLoss());
                snapshots.add(network.snapshot());
            }
        };
        TrainingResult result = new Trainer(network, config(EPOCHS)).fit(training, validation, recorder, () -> false);
        assertThat(result.outcome()).isEqualTo(TrainingOutcome.COMPLETED);
        return new Reference(losses, snapshots);
    }

    /** {stopEpoch, bestEpoch} by the documented rule; stopEpoch 0 if it never stops. */
    private static int[] expected(List<Double> losses, int patience, double minDelta) {
        double best = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        int waiting = 0;
        for (int e = 1; e <= losses.size(); e++) {
            if (losses.get(e - 1) < best - minDelta) {
                best = losses.get(e - 1);
                bestEpoch = e;
                waiting = 0;
            } else if (++waiting >= patience) {
                return new int[] {e, bestEpoch};
            }
        }
        return new int[] {0, bestEpoch};
    }

    private static void assertParametersEqual(Network network, List<INDArray> snapshot) {
        List<INDArray> now = network.snapshot();
        for (int i = 0; i < now.size(); i++) {
            assertThat(now.get(i).data().asDouble()).isEqualTo(snapshot.get(i).data().asDouble());
        }
    }

    @Test
    void theScenarioHasAMinimumInTheMiddle() {
        List<Double> losses = reference().validationLosses();
        int best = losses.indexOf(losses.stream().min(Double::compare).orElseThrow()) + 1;
        assertThat(best).isBetween(3, EPOCHS - 5);
        assertThat(losses.get(EPOCHS - 1)).isGreaterThan(losses.get(best - 1));
    }

    @Test
    void stopsAfterPatienceAndRestoresTheBestEpochsWeights() {
        Reference reference = reference();
        int[] expected = expected(reference.validationLosses(), 3, 0);
        assertThat(expected[0]).as("the scenario stops early").isPositive().isLessThan(EPOCHS);
        assertThat(expected[0]).isEqualTo(expected[1] + 3);

        Network network = network();
        TrainingResult result = new Trainer(network, config(EPOCHS).withEarlyStopping(new EarlyStopping(3, 0, true)))
                .fit(training, validation, TrainingListener.NONE, () -> false);

        assertThat(result.outcome()).isEqualTo(TrainingOutcome.EARLY_STOPPED);
        assertThat(result.history()).hasSize(expected[0]);
        assertThat(result.bestEpoch()).isEqualTo(expected[1]);
        assertThat(result.history().stream().map(EpochReport::validationLoss).toList())
                .isEqualTo(reference.validationLosses().subList(0, expected[0]));
        assertParametersEqual(network, reference.snapshots().get(expected[1] - 1));
        assertThat(result.failureReason()).isNull();
    }

    @Test
    void withoutRestoreBestKeepsTheLastEpochsWeights() {
        Reference reference = reference();
        int[] expected = expected(reference.validationLosses(), 2, 0);
        Network network = network();
        TrainingResult result = new Trainer(network, config(EPOCHS).withEarlyStopping(new EarlyStopping(2, 0, false)))
                .fit(training, validation, TrainingListener.NONE, () -> false);
        assertThat(result.outcome()).isEqualTo(TrainingOutcome.EARLY_STOPPED);
        assertThat(result.history()).hasSize(expected[0]);
        assertThat(result.bestEpoch()).isEqualTo(expected[1]);
        assertParametersEqual(network, reference.snapshots().get(expected[0] - 1));
    }

    @Test
    void minDeltaIgnoresSmallImprovements() {
        Reference reference = reference();
        List<Double> losses = reference.validationLosses();
        // a threshold between the largest and the smallest of the improvements before the minimum
        double minDelta = (losses.get(0) - losses.get(1)) / 3;
        int[] withDelta = expected(losses, 2, minDelta);
        int[] withoutDelta = expected(losses, 2, 0);
        assertThat(withDelta[0]).as("minDelta changes the outcome here").isLessThan(withoutDelta[0]);

        Network network = network();
        TrainingResult result = new Trainer(network, config(EPOCHS).withEarlyStopping(new EarlyStopping(2, minDelta, true)))
                .fit(training, validation, TrainingListener.NONE, () -> false);
        assertThat(result.outcome()).isEqualTo(TrainingOutcome.EARLY_STOPPED);
        assertThat(result.history()).hasSize(withDelta[0]);
        assertThat(result.bestEpoch()).isEqualTo(withDelta[1]);
        assertParametersEqual(network, reference.snapshots().get(withDelta[1] - 1));
    }

    @Test
    void completingWithRestoreBestStillRestoresTheBestEpoch() {
        Reference reference = reference();
        int[] expected = expected(reference.validationLosses(), 100, 0);
        int epochs = expected[1] + 2; // ends two epochs past the best, before patience runs out
        Network network = network();
        TrainingResult result = new Trainer(network, config(epochs).withEarlyStopping(new EarlyStopping(100, 0, true)))
                .fit(training, validation, TrainingListener.NONE, () -> false);
        assertThat(result.outcome()).isEqualTo(TrainingOutcome.COMPLETED);
        assertThat(result.history()).hasSize(epochs);
        assertThat(result.bestEpoch()).isEqualTo(expected[1]);
        assertParametersEqual(network, reference.snapshots().get(expected[1] - 1));
    }

    @Test
    void earlyStoppingNeedsValidationData() {
        Network network = network();
        Trainer trainer = new Trainer(network, config(EPOCHS).withEarlyStopping(new EarlyStopping(2, 0, true)));
        assertThatThrownBy(() -> trainer.fit(training)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("validation");
    }
}
