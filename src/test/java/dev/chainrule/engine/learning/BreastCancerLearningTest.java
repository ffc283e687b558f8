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

/** Breast cancer (Wisconsin diagnostic), benign or not: one logistic output with log loss, stratified 70/30. */
class BreastCancerLearningTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a guard against a hang; the budget is ~2 minutes on 2 idle cores
    void diagnosesHeldOutCasesAtLeast95PercentRight() throws Exception {
        long started = System.nanoTime();
        CsvTable table = CsvDatasetReader.lastColumnAsTarget().read(TestDatasets.file("breast_cancer/breast_cancer.csv"));
        int[] benign = table.classIds(); // checks the target is 0/1 class ids
        assertThat(table.classCount()).isEqualTo(2);
        DatasetSplit split = DatasetSplit.stratified(benign, 0.3, 20240601L);
        // the 0/1 column as it is: the target of one logistic output
        HeldOutSplit data = HeldOutSplit.of(table.valueDataset(DataType.FLOAT), split);

        NetworkDefinition definition = new NetworkDefinition(30,
                List.of(new LayerSpec(16, Activation.RELU), new LayerSpec(1, Activation.LOGISTIC)),
                LossKind.LOG_LOSS, WeightInitialiser.HE);
        Network network = Network.initialised(definition, 11L);
        TrainingResult result = new Trainer(network, TrainingConfig.of(60, 32, OptimiserSettings.adam(0.001), 5L))
                .fit(data.train());

        INDArray probabilities = new TrainedModel(network, data.standardiser()).predict(data.rawTest().features());
        double accuracy = HeldOutMetrics.binaryAccuracy(probabilities, data.rawTest().targets());
        Trainer.Evaluation evaluation = Trainer.evaluate(network, data.test());
        System.out.printf(Locale.ROOT, "breast_cancer: held-out accuracy %.4f on %d rows (train %d), test log loss %.4f,"
                        + " %d epochs, training loss %s, %.1f s%n", accuracy, data.test().size(), data.train().size(),
                evaluation.loss(), result.history().size(), TrainingLossCurve.summary(result),
                (System.nanoTime() - started) / 1e9);

        TrainingLossCurve.assertFalls(result, 0.3);
        assertThat(evaluation.metrics().get("accuracy")).isCloseTo(accuracy, within(1e-9));
        assertThat(accuracy).isGreaterThanOrEqualTo(0.95);
    }
}
