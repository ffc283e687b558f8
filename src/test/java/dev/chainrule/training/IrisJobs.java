package dev.chainrule.training;

import java.time.Duration;
import org.awaitility.Awaitility;
import dev.chainrule.dataset.CsvDatasetReader;
import dev.chainrule.dataset.CsvTable;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.model.ModelService;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The job the interruption tests run (a takeover, an outage, a handover) and compare with an uninterrupted run:
 * iris, 4-16-3, SGD one row at a time, seeded, so that two runs of it end with the same weights.
 */
final class IrisJobs {
    private IrisJobs() {
    }

    static NetworkDefinition definition() {
        return new NetworkDefinition(4, List.of(new LayerSpec(16, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
    }

    /** Iris, one-hot: the first 120 rows to train on, the rest to validate. */
    static TrainingJobSpec spec(String modelId, int epochs, long shuffleSeed) throws IOException {
        CsvTable table = CsvDatasetReader.lastColumnAsTarget().read(TestDatasets.file("iris/iris.csv"));
        INDArray x = table.features(DataType.FLOAT);
        INDArray y = Nd4j.zeros(DataType.FLOAT, x.rows(), 3);
        for (int i = 0; i < x.rows(); i++) {
            y.putScalar(i, (int) table.target(i, 0), 1f);
        }
        return new TrainingJobSpec(modelId,
                new Dataset(x.get(NDArrayIndex.interval(0, 120)).dup(), y.get(NDArrayIndex.interval(0, 120)).dup()),
                new Dataset(x.get(NDArrayIndex.interval(120, 150)).dup(), y.get(NDArrayIndex.interval(120, 150)).dup()),
                TrainingConfig.of(epochs, 1, OptimiserSettings.sgd(0.01), shuffleSeed), null, true);
    }

    static void await(BooleanSupplier condition, String what, long seconds) throws InterruptedException {
        Awaitility.await(what).atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
    }

    /** A version's parameters by name, as float32 values. */
    static Map<String, float[]> weights(ModelService models, String modelId, int version) {
        Map<String, float[]> out = new HashMap<>();
        for (Parameter p : models.version(modelId, version).trainedModel().network().parameters()) {
            out.put(p.name(), p.value().dup().data().asFloat());
        }
        return out;
    }
}
