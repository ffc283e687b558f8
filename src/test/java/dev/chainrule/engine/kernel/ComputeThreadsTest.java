package dev.chainrule.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingListener;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The OpenMP setting is per thread: it must reach threads started after it was configured. */
class ComputeThreadsTest {

    @Test
    void aTrainingThreadStartedLaterUsesTheConfiguredOpenMpCount() throws InterruptedException {
        ComputeThreads.configureDefaults();
        assertThat(ComputeThreads.nd4jThreadsOfCurrentThread()).isEqualTo(1);
        assertThat(ComputeThreads.blasThreads()).as("OpenBLAS itself runs single-threaded").isEqualTo(1);
        assertThat(ComputeThreads.totalThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());

        NetworkDefinition definition = new NetworkDefinition(3, List.of(new LayerSpec(4, Activation.TANH),
                new LayerSpec(1, Activation.LINEAR)), LossKind.SQUARED_ERROR, WeightInitialiser.XAVIER);
        Dataset data = new Dataset(Nd4j.rand(DataType.FLOAT, 16, 3), Nd4j.rand(DataType.FLOAT, 16, 1));
        AtomicInteger seenDuringTraining = new AtomicInteger(-1);
        Thread worker = new Thread(() -> new Trainer(Network.initialised(definition, 1),
                TrainingConfig.of(1, 8, OptimiserSettings.sgd(0.01), 1)).fit(data, null, new TrainingListener() {
                    @Override
                    public void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
                        seenDuringTraining.set(ComputeThreads.nd4jThreadsOfCurrentThread());
                    }
                }, () -> false));
        worker.start();
        worker.join();
        assertThat(seenDuringTraining.get()).isEqualTo(1);
    }

    @Test
    void aPredictionGetsEveryThreadOnlyWhileNothingElseComputes() {
        ComputeThreads.configure(1, 4);
        try {
            assertThat(ComputeThreads.idleShare()).as("nothing else computes").isEqualTo(4);
            ComputeThreads.predictions(1);
            try {
                assertThat(ComputeThreads.idleShare()).as("another prediction computes").isEqualTo(1);
            } finally {
                ComputeThreads.predictions(-1);
            }
            ComputeThreads.trainingJobs(1);
            try {
                assertThat(ComputeThreads.idleShare()).as("a job trains").isEqualTo(1);
            } finally {
                ComputeThreads.trainingJobs(-1);
            }
            assertThat(ComputeThreads.idleShare()).isEqualTo(4);
        } finally {
            ComputeThreads.configureDefaults();
        }
    }
}
