package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.awaitility.Awaitility;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.MnistCsv;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.prediction.PredictionService;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.ServiceOnDisk;
import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Scoring jobs stopped before their end: a shutdown mid-scoring hands the job over, and the next start scores it
 * again from row 0 into a complete, correct result (the stopped attempt stored nothing); a cancel mid-scoring ends
 * it CANCELLED with no result. MNIST's 10,000 test images, one row per chunk so that the scoring takes a while.
 * Runs on the embedded default and on PostgreSQL (the subclasses).
 */
abstract class ScoringResumeContract {
    private final Path dataDir = Path.of("target", "test-data", "scoring-" + UUID.randomUUID()).toAbsolutePath();
    private ConfigurableApplicationContext context;

    abstract Map<String, Object> database();

    private ConfigurableApplicationContext start() {
        return ServiceOnDisk.start(dataDir, database(), Map.of("chainrule.jobs.workers", 1,
                "chainrule.jobs.scoring-chunk-rows", 1));
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Awaitility.await(what).atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
    }

    /** MNIST's test images as a stored dataset, and a model trained on them for one epoch. */
    private record Trained(StoredDataset dataset, Model model) {
    }

    private Trained trained() throws Exception {
        Path csv = MnistCsv.write(Files.createTempFile("mnist-test", ".csv"));
        StoredDataset dataset;
        try (InputStream in = Files.newInputStream(csv)) {
            dataset = context.getBean(DatasetService.class).upload(in, "mnist.csv", "mnist", List.of("label"));
        } finally {
            Files.delete(csv);
        }
        Model model = context.getBean(ModelService.class).create("mnist", null, new NetworkDefinition(784,
                List.of(new LayerSpec(64, Activation.RELU), new LayerSpec(10, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.HE), 3, 1e-7);
        TrainingJob training = context.getBean(TrainingJobService.class).submit(new TrainingJobSpec(model.id(),
                new RowSource.UploadedDataset(dataset.id()), Validation.NONE, MnistCsv.ROWS, TrainingConfig.of(1, 100, OptimiserSettings.adam(0.002), 5),
                null, true));
        await(() -> training.status().isFinished(), "training");
        assertThat(training.status()).as(training.failureReason()).isEqualTo(JobStatus.SUCCEEDED);
        return new Trained(dataset, model);
    }

    @Test
    void aScoringJobStoppedByAShutdownIsScoredAgainFromRowZeroIntoACompleteResult() throws Exception {
        context = start();
        Trained trained = trained();
        TrainingJob job = context.getBean(TrainingJobService.class).submitScoring(trained.model().id(), 1, trained.dataset());
        await(() -> job.batchesDone() >= 300, "300 rows scored");
        context.close();
        assertThat(job.status()).as("a shutdown does not end the job").isEqualTo(JobStatus.RUNNING);
        long before = job.batchesDone();
        assertThat(before).isLessThan(MnistCsv.ROWS);

        context = start();
        TrainingJob resumed = context.getBean(TrainingJobService.class).get(job.id());
        await(() -> resumed.status().isFinished(), "the resumed scoring");
        assertThat(resumed.status()).as(resumed.failureReason()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(resumed.batchesDone()).isEqualTo(MnistCsv.ROWS);
        JdbcClient db = context.getBean(JdbcClient.class);
        assertThat(db.sql("SELECT attempt FROM jobs WHERE id = ?").param(job.id()).query(Integer.class).single())
                .isEqualTo(2);
        BlobStore blobs = context.getBean(BlobStore.class);
        List<BlobStore.Entry> stored = blobs.list("scores/" + job.id() + "/");
        assertThat(stored).as("the stopped attempt stored nothing").hasSize(1);
        assertThat(stored.get(0).key()).startsWith("scores/" + job.id() + "/2-");

        ScoringResults.Result result = context.getBean(ScoringResults.class).of(job.id());
        assertThat(((Number) result.summary().get("rows")).longValue()).isEqualTo(MnistCsv.ROWS);
        float[] values;
        try (DataInputStream in = new DataInputStream(context.getBean(ScoringResults.class).open(result))) {
            ScoresFile.Header header = ScoresFile.Header.read(in);
            assertThat(header.rows()).isEqualTo(MnistCsv.ROWS);
            byte[] rows = in.readAllBytes();
            assertThat(rows.length).isEqualTo(MnistCsv.ROWS * 11 * 4);
            values = new float[MnistCsv.ROWS * 11];
            ByteBuffer.wrap(rows).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        }
        PredictionService predictions = context.getBean(PredictionService.class);
        float[] expected = predictions.predict(context.getBean(ModelService.class).version(trained.model().id(), 1),
                MnistCsv.pixels(), MnistCsv.ROWS);
        int[] labels = MnistCsv.labels();
        long correct = 0;
        for (int r = 0; r < MnistCsv.ROWS; r++) {
            int best = 0;
            for (int j = 0; j < 10; j++) {
                assertThat(values[r * 11 + j]).as("row %d output %d", r, j).isCloseTo(expected[r * 10 + j], within(2e-6f));
                best = expected[r * 10 + j] > expected[r * 10 + best] ? j : best;
            }
            assertThat((int) values[r * 11 + 10]).as("row %d class", r).isEqualTo(best);
            correct += best == labels[r] ? 1 : 0;
        }
        assertThat(resumed.finalMetrics().get("accuracy")).isEqualTo(correct / (double) MnistCsv.ROWS);
        System.out.printf("scoring resumed after %d of %d rows: accuracy %.4f%n", before, MnistCsv.ROWS,
                correct / (double) MnistCsv.ROWS);
    }

    @Test
    void aScoringJobCancelledMidwayEndsCancelledWithNoResult() throws Exception {
        context = start();
        Trained trained = trained();
        TrainingJobService jobs = context.getBean(TrainingJobService.class);
        TrainingJob job = jobs.submitScoring(trained.model().id(), 1, trained.dataset());
        await(() -> job.batchesDone() >= 100, "100 rows scored");
        jobs.cancel(job.id());
        await(() -> job.status().isFinished(), "the cancel");
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job.batchesDone()).isLessThan(MnistCsv.ROWS);
        assertThatThrownBy(() -> context.getBean(ScoringResults.class).of(job.id()))
                .isInstanceOf(ResultUnavailableException.class).hasMessageContaining("CANCELLED");
        assertThat(context.getBean(BlobStore.class).list("scores/" + job.id() + "/")).isEmpty();
        JdbcClient db = context.getBean(JdbcClient.class);
        assertThat(db.sql("SELECT status FROM jobs WHERE id = ?").param(job.id()).query(String.class).single())
                .isEqualTo("CANCELLED");
    }
}
