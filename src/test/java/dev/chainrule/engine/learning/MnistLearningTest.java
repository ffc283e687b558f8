package dev.chainrule.engine.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingListener;
import dev.chainrule.engine.training.TrainingResult;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * MNIST: 784-256-128-10 ReLU network, softmax and cross-entropy, He initialisation, trained on the 60,000
 * training images and scored on the 10,000 test images. Pixels are already scaled to [0, 1] by the reader
 * and are fed as they are.
 */
class MnistLearningTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a guard against a hang; the budget is ~2 minutes on 2 idle cores
    void recognisesAtLeast97PercentOfTheTestDigits() throws Exception {
        long started = System.nanoTime();
        Dataset train = MnistIdxReader.read(TestDatasets.file("mnist/train-images-idx3-ubyte.gz"),
                TestDatasets.file("mnist/train-labels-idx1-ubyte.gz"), DataType.FLOAT);
        Dataset test = MnistIdxReader.read(TestDatasets.file("mnist/t10k-images-idx3-ubyte.gz"),
                TestDatasets.file("mnist/t10k-labels-idx1-ubyte.gz"), DataType.FLOAT);
        double readSeconds = (System.nanoTime() - started) / 1e9;

        NetworkDefinition definition = new NetworkDefinition(784,
                List.of(new LayerSpec(256, Activation.RELU), new LayerSpec(128, Activation.RELU),
                        new LayerSpec(10, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.HE);
        Network network = Network.initialised(definition, 11L);
        TrainingListener progress = new TrainingListener() {
            @Override
            public void onEpoch(EpochReport report) {
                System.out.printf(Locale.ROOT, "mnist: epoch %d, training loss %.4f, training accuracy %.4f, %.1f s%n",
                        report.epoch(), report.trainingLoss(), report.trainingMetrics().get("accuracy"),
                        report.durationNanos() / 1e9);
            }
        };
        TrainingResult result = new Trainer(network, TrainingConfig.of(4, 128, OptimiserSettings.adam(0.001), 5L))
                .fit(train, null, progress, () -> false);

        double accuracy = HeldOutMetrics.classAccuracy(network.predict(test.features()), test.targets());
        Trainer.Evaluation evaluation = Trainer.evaluate(network, test);
        System.out.printf(Locale.ROOT, "mnist: test accuracy %.4f on %d images, test loss %.4f, %d epochs,"
                        + " training loss %s, read %.1f s, total %.1f s%n", accuracy, test.size(), evaluation.loss(),
                result.history().size(), TrainingLossCurve.summary(result), readSeconds, (System.nanoTime() - started) / 1e9);

        TrainingLossCurve.assertFalls(result, 0.5);
        assertThat(evaluation.metrics().get("accuracy")).isCloseTo(accuracy, within(1e-9));
        assertThat(accuracy).isGreaterThanOrEqualTo(0.97);
    }
}
