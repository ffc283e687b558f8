package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.storage.S3ProxyServer;
import dev.chainrule.storage.ServiceOnDisk;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A running job through an outage of its S3-compatible store (s3proxy, a process of its own, stopped and started
 * again): checkpoints that cannot be written are counted and tried again, the version waits for the store, and the
 * job ends with the weights of an uninterrupted run.
 */
class JobStorageOutageTest {
    private final Path dir = Path.of("target", "test-data", "storage-outage-" + UUID.randomUUID()).toAbsolutePath();
    private S3ProxyServer server;
    private ConfigurableApplicationContext context;

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    private static TrainingJobSpec spec(String modelId, int epochs) throws IOException {
        CsvTable table = CsvDatasetReader.lastColumnAsTarget().read(TestDatasets.file("iris/iris.csv"));
        INDArray x = table.features(DataType.FLOAT);
        INDArray y = Nd4j.zeros(DataType.FLOAT, x.rows(), 3);
        for (int i = 0; i < x.rows(); i++) {
            y.putScalar(i, (int) table.target(i, 0), 1f);
        }
        return new TrainingJobSpec(modelId,
                new Dataset(x.get(NDArrayIndex.interval(0, 120)).dup(), y.get(NDArrayIndex.interval(0, 120)).dup()),
                new Dataset(x.get(NDArrayIndex.interval(120, 150)).dup(), y.get(NDArrayIndex.interval(120, 150)).dup()),
                TrainingConfig.of(epochs, 1, OptimiserSettings.sgd(0.01), 17), null, true);
    }

    private static void await(BooleanSupplier condition, String what, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, float[]> weights(ModelService models, String modelId) {
        Map<String, float[]> out = new HashMap<>();
        for (Parameter p : models.version(modelId, 1).trainedModel().network().parameters()) {
            out.put(p.name(), p.value().dup().data().asFloat());
        }
        return out;
    }

    @Test
    void aJobRunsOnThroughAStorageOutageAndEndsWithTheUninterruptedWeights() throws Exception {
        server = S3ProxyServer.start(dir.resolve("s3"));
        S3ProxyServer.useCredentialsInThisJvm();
        Map<String, Object> settings = new LinkedHashMap<>(server.settings(S3ProxyServer.BUCKET, "outage/"));
        settings.putAll(Map.of("chainrule.jobs.workers", 1, "chainrule.jobs.checkpoint-interval", "0s",
                "chainrule.jobs.database-retry-window", "60s"));
        context = ServiceOnDisk.start(dir.resolve("data"), Map.of(), settings);
        ModelService models = context.getBean(ModelService.class);
        TrainingJobService jobs = context.getBean(TrainingJobService.class);
        NetworkDefinition iris = new NetworkDefinition(4, List.of(new LayerSpec(16, Activation.TANH),
                new LayerSpec(3, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        Model interrupted = models.create("interrupted", null, iris, 5, 1e-7);
        Model straight = models.create("straight", null, iris, 5, 1e-7);

        TrainingJob job = jobs.submit(spec(interrupted.id(), 60));
        await(() -> job.epochsShown() >= 3, "three epochs", 120);
        server.kill();
        Thread.sleep(6_000); // long enough for the job to need the store for a checkpoint, and likely its version
        int shownDuringOutage = job.epochsShown();
        server.restart();

        await(() -> job.status().isFinished(), "the job to end after the outage", 180);
        assertThat(job.status()).as(job.failureReason()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(shownDuringOutage).as("training went on while the store was down").isGreaterThan(3);
        double failedCheckpoints = context.getBean(MeterRegistry.class).get("chainrule.jobs.checkpoint.failures")
                .counter().count();
        assertThat(failedCheckpoints).as("checkpoints refused by the stopped store, and the job went on").isPositive();

        TrainingJob reference = jobs.submit(spec(straight.id(), 60));
        await(() -> reference.status().isFinished(), "the uninterrupted job", 180);
        Map<String, float[]> expected = weights(models, straight.id());
        Map<String, float[]> actual = weights(models, interrupted.id());
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
        }
    }
}
