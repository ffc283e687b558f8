package dev.chainrule.engine.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.kernel.ComputeThreads;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The trainer's share of the engine's threads: asked again before every minibatch, in force while the minibatch
 * runs, given back when the fit ends; and a run split over several threads ends exactly where a run on one does.
 */
class TrainerThreadsTest {
    /** Wide enough that its first layer's products split (128 x 200 x 300 multiply-adds and more). */
    private static final NetworkDefinition WIDE = new NetworkDefinition(300,
            List.of(new LayerSpec(200, Activation.RELU), new LayerSpec(4, Activation.SOFTMAX)),
            LossKind.CROSS_ENTROPY, WeightInitialiser.HE);

    @AfterEach
    void restore() {
        ComputeThreads.configureDefaults();
    }

    @Test
    void theShareIsAskedBeforeEveryMinibatchAndGivenBackAtTheEnd() {
        ComputeThreads.configure(1, 4);
        AtomicInteger asked = new AtomicInteger();
        List<Integer> inForce = new ArrayList<>();
        // 4, 4, 4, then 2 from the 4th minibatch on: another job started
        Trainer trainer = new Trainer(Network.initialised(WIDE, 3), TrainingConfig.of(2, 64, OptimiserSettings.sgd(0.05), 5))
                .withThreads(() -> asked.incrementAndGet() <= 3 ? 4 : 2);
        ComputeThreads.useShare(1);
        trainer.fit(data(256), null, new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
                inForce.add(ComputeThreads.shareOfCurrentThread());
            }
        }, () -> false);
        assertThat(asked.get()).isEqualTo(8);
        assertThat(inForce).containsExactly(4, 4, 4, 2, 2, 2, 2, 2);
        assertThat(ComputeThreads.shareOfCurrentThread()).isEqualTo(1);
    }

    @Test
    void aRunSplitOverThreadsEqualsTheRunOnOneBitForBit() {
        ComputeThreads.configure(1, 4);
        Run one = run(() -> 1);
        Run four = run(() -> 4);
        AtomicInteger batch = new AtomicInteger();
        Run changing = run(() -> 1 + batch.getAndIncrement() % 4); // re-balanced at every minibatch
        assertThat(four.losses).containsExactlyElementsOf(one.losses);
        assertThat(four.weights).containsExactly(one.weights);
        assertThat(changing.losses).containsExactlyElementsOf(one.losses);
        assertThat(changing.weights).containsExactly(one.weights);
    }

    private record Run(List<Double> losses, float[] weights) {
    }

    private static Run run(java.util.function.IntSupplier threads) {
        Network network = Network.initialised(WIDE, 11);
        TrainingResult result = new Trainer(network, TrainingConfig.of(2, 128, OptimiserSettings.adam(0.001), 7))
                .withThreads(threads).fit(data(512));
        List<Double> losses = result.history().stream().map(EpochReport::trainingLoss).toList();
        List<INDArray> values = network.snapshot();
        int total = values.stream().mapToInt(v -> (int) v.length()).sum();
        float[] weights = new float[total];
        int at = 0;
        for (INDArray v : values) {
            float[] part = v.data().asFloat();
            System.arraycopy(part, 0, weights, at, part.length);
            at += part.length;
        }
        return new Run(losses, weights);
    }

    private static Dataset data(int rows) {
        SplittableRandom random = new SplittableRandom(23);
        double[][] x = TestArrays.uniform(random, rows, 300, -1, 1);
        int[] labels = new int[rows];
        for (int t = 0; t < rows; t++) {
            labels[t] = (x[t][0] > 0 ? 1 : 0) + (x[t][1] + x[t][2] > 0 ? 2 : 0);
        }
        return new Dataset(TestArrays.nd(x, DataType.FLOAT), Dataset.oneHot(labels, 4, DataType.FLOAT));
    }
}
