package dev.chainrule.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.Network;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingResult;
import dev.chainrule.engine.training.TrainingOutcome;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The hot-loop breakdown times the engine's own training step: its step equals Network.computeGradients bit for
 * bit, and its batches (the trainer's row order, epoch by epoch) leave the parameters exactly where Trainer.fit
 * leaves them. The MLP is the benchmark's (784-256-128-10); the data are random pixels with random labels.
 */
class HotLoopTest {
    private static final int BATCH = 16;
    private static final int BATCHES_PER_EPOCH = 4;
    private static final long SHUFFLE_SEED = 42;

    @Test
    void stepGivesComputeGradientsLossAndGradientsExactly() {
        Dataset data = data(BATCH, 1);
        Network network = Network.initialised(EngineBenchmark.mlp(), 7);
        HotLoop.checkAgainstEngine(network, data.features(), data.targets());

        // and the check would see a different step: the unfused gradient path computes the same thing otherwise
        Network unfused = Network.initialised(EngineBenchmark.mlp(), 7);
        unfused.setFusedSoftmaxCrossEntropy(false);
        double fused = HotLoop.gradients(network, data.features(), data.targets(), HotLoop.Probe.OFF);
        assertThat(unfused.computeGradients(data.features(), data.targets())).isEqualTo(fused);
        boolean allIdentical = true;
        for (int i = 0; i < network.parameters().size(); i++) {
            allIdentical &= HotLoop.identical(network.parameters().get(i).gradient(), unfused.parameters().get(i).gradient());
        }
        assertThat(allIdentical).as("the fused and unfused gradients differ in their last bits").isFalse();
        assertThatThrownBy(() -> HotLoop.checkAgainstEngine(unfused, data.features(), data.targets()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("differs from computeGradients'");
    }

    @Test
    void batchesAreTheTrainersOwnOverEpochs() {
        Dataset data = data(BATCH * BATCHES_PER_EPOCH, 2);
        Network trained = Network.initialised(EngineBenchmark.mlp(), 11);
        Network looped = trained.copy();
        int epochs = 3;

        TrainingResult result = new Trainer(trained, TrainingConfig.of(epochs, BATCH, OptimiserSettings.sgd(0.1),
                SHUFFLE_SEED)).fit(data);
        assertThat(result.outcome()).isEqualTo(TrainingOutcome.COMPLETED);
        // 2 untimed + (epochs * batches - 2) timed batches: the same count as the trainer's, warm-up spanning none
        HotLoop.Breakdown breakdown = HotLoop.measure(looped, data, BATCH, 2, epochs * BATCHES_PER_EPOCH - 2, 0.1,
                SHUFFLE_SEED);

        assertThat(breakdown.steps()).hasSize(HotLoop.stepNames(looped).size());
        List<Parameter> expected = trained.parameters();
        List<Parameter> actual = looped.parameters();
        for (int i = 0; i < expected.size(); i++) {
            assertThat(HotLoop.identical(actual.get(i).value(), expected.get(i).value())).as(expected.get(i).name()).isTrue();
        }
        // and a different seed's order would have moved them elsewhere
        Network otherOrder = Network.initialised(EngineBenchmark.mlp(), 11);
        HotLoop.measure(otherOrder, data, BATCH, 2, epochs * BATCHES_PER_EPOCH - 2, 0.1, SHUFFLE_SEED + 1);
        assertThat(HotLoop.identical(otherOrder.parameters().get(0).value(), expected.get(0).value())).isFalse();
    }

    /** {@code rows} random pixel rows in [0, 1) with one-hot random labels of 10 classes. */
    private static Dataset data(int rows, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, rows, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, rows, 10);
        java.util.Random labels = new java.util.Random(seed);
        for (int r = 0; r < rows; r++) {
            y.putScalar(r, labels.nextInt(10), 1f);
        }
        return new Dataset(x, y);
    }
}
