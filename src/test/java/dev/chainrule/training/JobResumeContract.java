package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.awaitility.Awaitility;
import dev.chainrule.dataset.CsvDatasetReader;
import dev.chainrule.dataset.CsvTable;
import dev.chainrule.dataset.DatasetFile;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.DatasetSplit;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EarlyStopping;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.ServiceOnDisk;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job interrupted by a shutdown comes back by itself at the next start, continues from its last epoch
 * checkpoint, and ends with exactly the weights of a run that was never interrupted. Runs on the embedded default
 * and on PostgreSQL (the subclasses).
 */
abstract class JobResumeContract {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Path dataDir = Path.of("target", "test-data", "resume-" + UUID.randomUUID()).toAbsolutePath();
    private ConfigurableApplicationContext context;

    abstract Map<String, Object> database();

    /** A checkpoint after every epoch: these tests check what each one keeps. */
    private ConfigurableApplicationContext start() {
        return start("0s");
    }

    private ConfigurableApplicationContext start(String checkpointInterval) {
        return ServiceOnDisk.start(dataDir, database(),
                Map.of("chainrule.jobs.workers", 1, "chainrule.jobs.checkpoint-interval", checkpointInterval));
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    private static NetworkDefinition iris() {
        return new NetworkDefinition(4, List.of(new LayerSpec(16, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
    }

    /** Iris, one-hot, the first 120 rows to train on and the rest to validate; Adam, with early stopping. */
    private static TrainingJobSpec spec(String modelId) throws IOException {
        TrainingConfig config = TrainingConfig.of(60, 1, OptimiserSettings.adam(0.002), 17)
                .withEarlyStopping(new EarlyStopping(1000, 0, true));
        return spec(modelId, config, null);
    }

    /** The same rows with other settings, from scratch or from a version. */
    private static TrainingJobSpec spec(String modelId, TrainingConfig config, Integer fromVersion) throws IOException {
        CsvTable table = CsvDatasetReader.lastColumnAsTarget().read(TestDatasets.file("iris/iris.csv"));
        INDArray x = table.features(DataType.FLOAT);
        INDArray y = Nd4j.zeros(DataType.FLOAT, x.rows(), 3);
        for (int i = 0; i < x.rows(); i++) {
            y.putScalar(i, (int) table.target(i, 0), 1f);
        }
        Dataset training = new Dataset(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 120)).dup(),
                y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 120)).dup());
        Dataset validation = new Dataset(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(120, 150)).dup(),
                y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(120, 150)).dup());
        return new TrainingJobSpec(modelId, training, validation, config, fromVersion, fromVersion == null);
    }

    private static TrainingConfig datasetConfig() {
        return TrainingConfig.of(60, 1, OptimiserSettings.adam(0.002), 23);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Awaitility.await(what).atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
    }

    @Test
    void aJobOnAStoredDatasetReadsItAgainWhenItResumesAndSplitsTheSameRows() throws Exception {
        context = start();
        DatasetService datasets = context.getBean(DatasetService.class);
        StoredDataset iris;
        try (InputStream csv = Files.newInputStream(TestDatasets.file("iris/iris.csv"))) {
            iris = datasets.upload(csv, "iris.csv", "iris", List.of());
        }
        ModelService models = context.getBean(ModelService.class);
        Model interrupted = models.create("interrupted", null, iris(), 5, 1e-7);
        TrainingJobSpec onDataset = new TrainingJobSpec(interrupted.id(), new RowSource.UploadedDataset(iris.id()),
                new Validation.Split(0.2, 23), 120, datasetConfig(), null, true);
        TrainingJob job = context.getBean(TrainingJobService.class).submit(onDataset);
        JdbcClient db = context.getBean(JdbcClient.class);
        assertThat(db.sql("SELECT count(*) FROM jobs WHERE id = ? AND training_file IS NULL AND validation_file IS NULL"
                + " AND training_dataset_id = ?").params(job.id(), iris.id()).query(Long.class).single())
                .as("the record names the dataset and no copy of it").isOne();
        await(() -> job.history().size() >= 3, "three epochs");
        try (var files = Files.list(dataDir.resolve("jobs").resolve(job.id()))) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).allMatch(name -> name.startsWith("checkpoint-"));
        }
        context.close();
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);

        context = start();
        TrainingJobService jobs = context.getBean(TrainingJobService.class);
        TrainingJob resumed = jobs.get(job.id());
        await(() -> resumed.status().isFinished(), "the resumed job to end");
        assertThat(resumed.status()).as(resumed.failureReason()).isEqualTo(JobStatus.SUCCEEDED);

        // the same rows sent inline, split by DatasetSplit as POST /train splits inline rows, uninterrupted
        DatasetService restartedDatasets = context.getBean(DatasetService.class);
        Dataset all = DatasetFile.open(context.getBean(BlobStore.class).localCopy(restartedDatasets.get(iris.id()).file()))
                .load(new TargetEncoding(LossKind.CROSS_ENTROPY, 3), null, null)[0];
        DatasetSplit split = DatasetSplit.random(150, 0.2, 23);
        ModelService restartedModels = context.getBean(ModelService.class);
        Model reference = restartedModels.create("inline", null, iris(), 5, 1e-7);
        TrainingJob straight = jobs.submit(new TrainingJobSpec(reference.id(), split.train(all), split.test(all),
                datasetConfig(), null, true));
        await(() -> straight.status().isFinished(), "the inline job");
        assertThat(straight.history()).extracting(EpochReport::validationLoss)
                .isEqualTo(resumed.history().stream().map(EpochReport::validationLoss).toList()).hasSize(60);
        Map<String, float[]> expected = weights(restartedModels, reference.id());
        Map<String, float[]> actual = weights(restartedModels, interrupted.id());
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
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
    void aJobStoppedByAShutdownResumesFromItsCheckpointAndEndsWithTheUninterruptedWeights() throws Exception {
        context = start();
        ModelService models = context.getBean(ModelService.class);
        Model interrupted = models.create("interrupted", null, iris(), 5, 1e-7);
        TrainingJob job = context.getBean(TrainingJobService.class).submit(spec(interrupted.id()));
        await(() -> job.history().size() >= 3, "three epochs");
        context.close(); // a graceful shutdown in the middle of the job
        assertThat(job.status()).as("a shutdown does not cancel").isEqualTo(JobStatus.RUNNING);
        List<EpochReport> before = job.history();
        assertThat(before.size()).isGreaterThanOrEqualTo(3).isLessThan(60);

        context = start();
        TrainingJobService jobs = context.getBean(TrainingJobService.class);
        TrainingJob resumed = jobs.get(job.id());
        await(() -> resumed.status().isFinished(), "the resumed job to end");
        assertThat(resumed.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(resumed.history()).hasSize(60);
        // the epochs before the last checkpoint were not run again: their reports, wall times included, are kept
        assertThat(resumed.history().subList(0, 3)).isEqualTo(before.subList(0, 3));
        JdbcClient db = context.getBean(JdbcClient.class);
        assertThat(db.sql("SELECT count(*) FROM jobs WHERE id = ? AND checkpoint IS NULL AND training_file IS NULL")
                .param(job.id()).query(Long.class).single()).as("the end lets go of the checkpoint and the data").isOne();
        assertThat(dataDir.resolve("jobs").resolve(job.id())).doesNotExist();

        ModelService restartedModels = context.getBean(ModelService.class);
        Model reference = restartedModels.create("uninterrupted", null, iris(), 5, 1e-7);
        TrainingJob straight = jobs.submit(spec(reference.id()));
        await(() -> straight.status().isFinished(), "the uninterrupted job");
        assertThat(straight.history()).extracting(EpochReport::validationLoss)
                .isEqualTo(resumed.history().stream().map(EpochReport::validationLoss).toList());
        Map<String, float[]> expected = weights(restartedModels, reference.id());
        Map<String, float[]> actual = weights(restartedModels, interrupted.id());
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
        }
    }

    @Test
    void epochsSoonerThanTheCheckpointIntervalWriteNoCheckpointAndTheJobStillEndsWithTheUninterruptedWeights()
            throws Exception {
        context = start("1h");
        ModelService models = context.getBean(ModelService.class);
        Model interrupted = models.create("interrupted", null, iris(), 5, 1e-7);
        TrainingJob job = context.getBean(TrainingJobService.class).submit(spec(interrupted.id()));
        await(() -> job.history().size() >= 3, "three epochs");
        context.close();
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        List<EpochReport> before = job.history();
        Path jobDir = dataDir.resolve("jobs").resolve(job.id());
        try (var files = Files.list(jobDir)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(name -> name.startsWith("checkpoint-")).toList())
                    .as("no epoch was an hour after the start").isEmpty();
        }

        context = start("1h");
        JdbcClient db = context.getBean(JdbcClient.class);
        assertThat(db.sql("SELECT count(*) FROM jobs WHERE id = ? AND checkpoint IS NULL").param(job.id())
                .query(Long.class).single()).as("the record names no checkpoint").isOne();
        TrainingJobService jobs = context.getBean(TrainingJobService.class);
        TrainingJob resumed = jobs.get(job.id());
        await(() -> resumed.status().isFinished(), "the restarted job to end");
        assertThat(resumed.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(resumed.history()).hasSize(60);
        assertThat(resumed.history().get(0).validationLoss()).as("run again from its start, to the same losses")
                .isEqualTo(before.get(0).validationLoss());

        ModelService restartedModels = context.getBean(ModelService.class);
        Model reference = restartedModels.create("uninterrupted", null, iris(), 5, 1e-7);
        TrainingJob straight = jobs.submit(spec(reference.id()));
        await(() -> straight.status().isFinished(), "the uninterrupted job");
        Map<String, float[]> expected = weights(restartedModels, reference.id());
        Map<String, float[]> actual = weights(restartedModels, interrupted.id());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
        }
    }

    /** GET on the started application's HTTP port: the body of a 200. */
    private String http(String path) throws IOException, InterruptedException {
        int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        Reply response = TestHttp.at(port).withTimeout(Duration.ofSeconds(30)).get(path);
        assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    /** What a client sees of the finished jobs: each one, its events, and listings filtered and paged. */
    private Map<String, String> shown(List<String> finished, String modelId) throws IOException, InterruptedException {
        Map<String, String> bodies = new LinkedHashMap<>();
        for (String id : finished) {
            bodies.put(id, http("/jobs/" + id));
            bodies.put(id + "/events", http("/jobs/" + id + "/events"));
        }
        for (String query : new String[] {"?size=3", "?status=SUCCEEDED", "?status=cancelled&modelId=" + modelId,
                "?modelId=" + modelId + "&page=1&size=2"}) {
            bodies.put(query, http("/jobs" + query));
        }
        return bodies;
    }

    @Test
    void finishedJobsReadTheSameAfterARestartWhichLoadsOnlyTheUnfinishedOnes() throws Exception {
        Map<String, Object> settings = Map.of("chainrule.jobs.workers", 1, "chainrule.jobs.checkpoint-interval", "0s",
                "spring.main.web-application-type", "servlet",
                "server.port", 0);
        context = ServiceOnDisk.start(dataDir, database(), settings);
        ModelService models = context.getBean(ModelService.class);
        TrainingJobService jobs = context.getBean(TrainingJobService.class);
        Model model = models.create("finished", null, iris(), 5, 1e-7);
        TrainingJob stopped = jobs.submit(spec(model.id(), TrainingConfig.of(40, 8, OptimiserSettings.adam(0.01), 3)
                .withEarlyStopping(new EarlyStopping(2, 0.01, true)), null));
        await(() -> stopped.status().isFinished(), "the early-stopped job");
        TrainingJob continued = jobs.submit(spec(model.id(), TrainingConfig.of(3, 16, OptimiserSettings.sgd(0.05), 4), 1));
        await(() -> continued.status().isFinished(), "the job from version 1");
        TrainingJob cancelled = jobs.submit(spec(model.id(), TrainingConfig.of(1000, 1, OptimiserSettings.sgd(0.01), 5), null));
        await(() -> cancelled.batchesDone() > 120, "the cancelled job's second epoch");
        jobs.cancel(cancelled.id());
        await(() -> cancelled.status().isFinished(), "the cancelled job");
        assertThat(List.of(stopped.status(), continued.status(), cancelled.status()))
                .containsExactly(JobStatus.SUCCEEDED, JobStatus.SUCCEEDED, JobStatus.CANCELLED);
        Model other = models.create("unfinished", null, iris(), 6, 1e-7);
        TrainingJob running = jobs.submit(spec(other.id(), TrainingConfig.of(1000, 1, OptimiserSettings.sgd(0.01), 6), null));
        TrainingJob queued = jobs.submit(spec(other.id(), TrainingConfig.of(5, 1, OptimiserSettings.sgd(0.01), 7), null));
        await(() -> running.batchesDone() > 0, "the long job to start");
        assertThat(jobs.liveJobIds()).containsExactlyInAnyOrder(running.id(), queued.id());
        List<String> finished = List.of(stopped.id(), continued.id(), cancelled.id());
        Map<String, String> before = shown(finished, model.id());
        context.close();

        context = ServiceOnDisk.start(dataDir, database(), settings);
        jobs = context.getBean(TrainingJobService.class);
        TrainingJobService restarted = jobs;
        // the job that was running is claimed again at once (its worker is free); the queued one waits for it
        await(() -> restarted.liveJobIds().contains(running.id()), "the running job to be claimed again");
        assertThat(jobs.liveJobIds()).as("no finished job is loaded, only the unfinished ones")
                .doesNotContainAnyElementsOf(finished).isSubsetOf(running.id(), queued.id());
        Map<String, String> after = shown(finished, model.id());
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (String key : before.keySet()) {
            assertThat(after.get(key)).as(key).isEqualTo(before.get(key));
        }
        // and they are what they were: the early stop, the start version, the cancellation mid-epoch, all jobs counted
        JsonNode first = JSON.readTree(after.get(stopped.id()));
        assertThat(first.get("endReason").asString()).isEqualTo("early_stopped");
        assertThat(first.get("version").asInt()).isEqualTo(1);
        assertThat(first.get("history").size()).isEqualTo(stopped.history().size()).isLessThan(40);
        assertThat(first.get("finalMetrics").size()).isPositive();
        assertThat(JSON.readTree(after.get(continued.id())).get("fromVersion").asInt()).isEqualTo(1);
        JsonNode third = JSON.readTree(after.get(cancelled.id()));
        assertThat(third.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(third.get("currentEpoch").asInt()).isEqualTo(cancelled.currentEpoch()).isGreaterThanOrEqualTo(2);
        assertThat(third.get("batchesDone").asLong()).isEqualTo(cancelled.batchesDone());
        JsonNode page = JSON.readTree(after.get("?size=3"));
        assertThat(page.get("totalItems").asLong()).isEqualTo(5);
        assertThat(page.get("items").findValuesAsString("id")).isEqualTo(finished);
    }
}
