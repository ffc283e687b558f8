package dev.chainrule.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingOutcome;
import dev.chainrule.engine.training.TrainingResult;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Same seed, same network: initial weights bit for bit, and a whole float32 training run (per-epoch losses and
 * final weights exactly equal) when the weight seed and the shuffle seed are the same; a different seed gives
 * different weights and a different run.
 */
class ReproducibilityTest {
    private static final NetworkDefinition DEFINITION = new NetworkDefinition(4,
            List.of(new LayerSpec(8, Activation.RELU), new LayerSpec(6, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX)),
            LossKind.CROSS_ENTROPY, WeightInitialiser.HE);

    private static Dataset data() {
        SplittableRandom random = new SplittableRandom(141);
        int rows = 40;
        double[][] x = TestArrays.uniform(random, rows, 4, -1, 1);
        int[] labels = new int[rows];
        for (int t = 0; t < rows; t++) {
            labels[t] = x[t][0] + x[t][1] > 0.3 ? 0 : x[t][2] > 0 ? 1 : 2;
        }
        return new Dataset(TestArrays.nd(x, DataType.FLOAT), Dataset.oneHot(labels, 3, DataType.FLOAT));
    }

    private static float[] flatten(Network network) {
        List<INDArray> values = network.snapshot();
        int total = 0;
        for (INDArray v : values) {
            total += (int) v.length();
        }
        float[] out = new float[total];
        int at = 0;
        for (INDArray v : values) {
            float[] part = v.data().asFloat();
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private record Run(TrainingResult result, float[] weights) {
    }

    private static Run train(long weightSeed, long shuffleSeed) {
        Network network = Network.initialised(DEFINITION, weightSeed);
        assertThat(network.dataType()).isEqualTo(DataType.FLOAT);
        TrainingConfig config = TrainingConfig.of(3, 8, OptimiserSettings.momentum(0.05, 0.9), shuffleSeed);
        TrainingResult result = new Trainer(network, config).fit(data());
        assertThat(result.outcome()).isEqualTo(TrainingOutcome.COMPLETED);
        assertThat(result.history()).hasSize(3);
        return new Run(result, flatten(network));
    }

    private static double[] losses(Run run) {
        return run.result().history().stream().mapToDouble(EpochReport::trainingLoss).toArray();
    }

    @Test
    void sameSeedGivesBitIdenticalInitialWeights() {
        float[] a = flatten(Network.initialised(DEFINITION, 42));
        float[] b = flatten(Network.initialised(DEFINITION, 42));
        assertThat(a).isEqualTo(b);
        // and biases start at zero
        Network network = Network.initialised(DEFINITION, 42);
        for (var fc : network.denseLayers()) {
            assertThat(fc.bias().amaxNumber().doubleValue()).isZero();
        }
        // re-initialising an already trained network restores the same start
        Network trained = Network.initialised(DEFINITION, 42);
        new Trainer(trained, TrainingConfig.of(1, 8, OptimiserSettings.sgd(0.1), 1)).fit(data());
        trained.initialise(42);
        assertThat(flatten(trained)).isEqualTo(a);
    }

    @Test
    void differentSeedGivesDifferentWeights() {
        float[] a = flatten(Network.initialised(DEFINITION, 42));
        float[] b = flatten(Network.initialised(DEFINITION, 43));
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i] && a[i] != 0) {
                same++;
            }
        }
        assertThat(same).as("non-zero weights equal across seeds").isZero();
    }

    /** The reference run, shared by the trajectory tests (each run is a few dozen float32 batches). */
    private static Run base;

    private static synchronized Run base() {
        if (base == null) {
            base = train(42, 7);
        }
        return base;
    }

    @Test
    void sameSeedsGiveAnIdenticalTrainingTrajectory() {
        Run first = base();
        Run second = train(42, 7);
        assertThat(losses(second)).isEqualTo(losses(first));
        assertThat(second.weights()).isEqualTo(first.weights());
        // the run did something: the loss moved and the weights left their start
        double[] l = losses(first);
        assertThat(l[2]).isLessThan(l[0]);
        assertThat(first.weights()).isNotEqualTo(flatten(Network.initialised(DEFINITION, 42)));
    }

    @Test
    void differentSeedsGiveADifferentTrajectory() {
        Run base = base();
        Run otherWeights = train(43, 7);
        Run otherShuffle = train(42, 8);
        assertThat(losses(otherWeights)).isNotEqualTo(losses(base));
        assertThat(losses(otherShuffle)).isNotEqualTo(losses(base));
        assertThat(otherShuffle.weights()).isNotEqualTo(base.weights());
    }
}
