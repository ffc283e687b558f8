package dev.chainrule.engine.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.dataset.CsvDatasetReader;
import dev.chainrule.dataset.CsvTable;
import dev.chainrule.dataset.DatasetSplit;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingResult;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Iris, 3 classes: one small tanh layer, softmax and cross-entropy, on a stratified 70/30 split (105 training
 * rows, 45 held out, so 0.95 allows two mistakes). Versicolor and virginica overlap: a few irises are on the
 * wrong side of any smooth boundary, and a wider ReLU layer trained to near-zero loss bends around the training
 * ones and loses held-out points, so the layer is narrow and its weights carry a light L2 penalty.
 */
class IrisLearningTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a guard against a hang; the budget is ~2 minutes on 2 idle cores
    void classifiesHeldOutIrisesAtLeast95PercentRight() throws Exception {
        long started = System.nanoTime();
        CsvTable table = CsvDatasetReader.lastColumnAsTarget().read(TestDatasets.file("iris/iris.csv"));
        DatasetSplit split = DatasetSplit.stratified(table.classIds(), 0.3, 20240601L);
        HeldOutSplit data = HeldOutSplit.of(table.classificationDataset(DataType.FLOAT), split);

        NetworkDefinition definition = new NetworkDefinition(4,
                List.of(new LayerSpec(8, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        Network network = Network.initialised(definition, 11L);
        TrainingConfig config = TrainingConfig.of(100, 16, OptimiserSettings.adam(0.01), 5L).withRegularisation(0, 1e-3);
        TrainingResult result = new Trainer(network, config).fit(data.train());

        INDArray probabilities = new TrainedModel(network, data.standardiser()).predict(data.rawTest().features());
        double accuracy = HeldOutMetrics.classAccuracy(probabilities, data.rawTest().targets());
        Trainer.Evaluation evaluation = Trainer.evaluate(network, data.test());
        System.out.printf(Locale.ROOT, "iris: held-out accuracy %.4f on %d rows (train %d), test loss %.4f, %d epochs,"
                        + " training loss %s, %.1f s%n", accuracy, data.test().size(), data.train().size(), evaluation.loss(),
                result.history().size(), TrainingLossCurve.summary(result), (System.nanoTime() - started) / 1e9);

        TrainingLossCurve.assertFalls(result, 0.2);
        assertThat(evaluation.metrics().get("accuracy")).isCloseTo(accuracy, within(1e-9));
        assertThat(accuracy).isGreaterThanOrEqualTo(0.95);
    }
}
