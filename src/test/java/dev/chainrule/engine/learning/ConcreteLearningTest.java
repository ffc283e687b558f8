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
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
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
 * Concrete compressive strength, a smooth non-linear regression: a 64-64 ReLU network with a linear output and
 * squared error, on a random 70/30 split. Features are standardised with training statistics, and so is the
 * target: the network learns z = (strength - mean) / std of the training strengths, which keeps the
 * squared-error gradients of order one whatever the unit (MPa here, up to 82.6); predictions are mapped back to
 * MPa with the same mean and std before R^2 is taken. A light L2 penalty (1e-4) trims the overfitting of 721
 * training rows.
 */
class ConcreteLearningTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a guard against a hang; the budget is ~2 minutes on 2 idle cores
    void predictsHeldOutStrengthWithRSquaredAtLeast085() throws Exception {
        long started = System.nanoTime();
        CsvTable table = CsvDatasetReader.lastColumnAsTarget().read(TestDatasets.file("concrete/concrete.csv"));
        DatasetSplit split = DatasetSplit.random(table.rows(), 0.3, 20240601L);
        HeldOutSplit data = HeldOutSplit.of(table.valueDataset(DataType.FLOAT), split);
        Standardiser strengthScale = Standardiser.fit(data.train().targets());
        Dataset train = new Dataset(data.train().features(), strengthScale.apply(data.train().targets()));
        Dataset test = new Dataset(data.test().features(), strengthScale.apply(data.test().targets()));

        NetworkDefinition definition = new NetworkDefinition(8,
                List.of(new LayerSpec(64, Activation.RELU), new LayerSpec(64, Activation.RELU),
                        new LayerSpec(1, Activation.LINEAR)),
                LossKind.SQUARED_ERROR, WeightInitialiser.HE);
        Network network = Network.initialised(definition, 11L);
        TrainingConfig config = TrainingConfig.of(300, 64, OptimiserSettings.adam(0.003), 5L).withRegularisation(0, 1e-4);
        TrainingResult result = new Trainer(network, config).fit(train);

        INDArray z = new TrainedModel(network, data.standardiser()).predict(data.rawTest().features());
        INDArray strength = z.castTo(DataType.DOUBLE).mulRowVector(strengthScale.std()).addRowVector(strengthScale.mean());
        double r2 = HeldOutMetrics.rSquared(strength, data.rawTest().targets());
        double rmse = Math.sqrt(strength.squaredDistance(data.rawTest().targets().castTo(DataType.DOUBLE)) / strength.rows());
        Trainer.Evaluation evaluation = Trainer.evaluate(network, test);
        System.out.printf(Locale.ROOT, "concrete: held-out R^2 %.4f, RMSE %.2f MPa on %d rows (train %d), %d epochs,"
                        + " training loss (z units) %s, %.1f s%n", r2, rmse, test.size(), train.size(),
                result.history().size(), TrainingLossCurve.summary(result), (System.nanoTime() - started) / 1e9);

        TrainingLossCurve.assertFalls(result, 0.2);
        // R^2 does not change under the affine map between z and MPa, so the engine's figure must agree
        assertThat(evaluation.metrics().get("r2")).isCloseTo(r2, within(1e-4));
        assertThat(r2).isGreaterThanOrEqualTo(0.85);
    }
}
