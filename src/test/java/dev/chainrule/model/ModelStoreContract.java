package dev.chainrule.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.LocalBlobStore;
import dev.chainrule.storage.ServiceOnDisk;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The model store against a real database and a real data directory, including a restart of the whole
 * application on the same ones. Runs on the embedded default (H2) and on PostgreSQL: see the subclasses.
 */
abstract class ModelStoreContract {
    private final Path dataDir = Path.of("target", "test-data", "store-" + UUID.randomUUID()).toAbsolutePath();
    private ConfigurableApplicationContext context;

    /** Datasource settings for this database; empty for the embedded default. */
    abstract Map<String, Object> database();

    private ConfigurableApplicationContext start(Map<String, Object> settings) {
        return ServiceOnDisk.start(dataDir, database(), settings);
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    private static NetworkDefinition definition() {
        return new NetworkDefinition(3, List.of(new LayerSpec(5, Activation.TANH), new LayerSpec(2, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
    }

    private static TrainedModel trained(long seed) {
        Network network = Network.create(definition(), DataType.FLOAT, 1e-7);
        network.initialise(seed);
        Standardiser standardiser = new Standardiser(Nd4j.createFromArray(new double[][] {{1, 2, 3}}),
                Nd4j.createFromArray(new double[][] {{0.5, 2, 4}}));
        return new TrainedModel(network, standardiser);
    }

    private static ModelVersion.Summary summary(String jobId) {
        return new ModelVersion.Summary(jobId, Instant.parse("2026-11-22T07:00:00Z"), 7, 0.25, 0.5, Map.of("accuracy", 0.9));
    }

    private static final INDArray INPUTS = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {-4, 0.5f, 9}, {0, 0, 0}});

    @Test
    void modelsAndVersionsSurviveARestartWithIdenticalPredictions() throws IOException {
        context = start(Map.of());
        ModelService models = context.getBean(ModelService.class);
        Model a = models.create("a", "first", definition(), 11, 1e-7);
        Model b = models.create(null, null, definition(), 12, 1e-6);
        TrainedModel v1 = trained(1);
        TrainedModel v2 = trained(2);
        models.addVersion(a.id(), v1, summary("job-1"));
        models.addVersion(a.id(), v2, summary("job-2"));
        float[] expected1 = v1.predict(INPUTS).data().asFloat();
        float[] expected2 = v2.predict(INPUTS).data().asFloat();
        context.close();

        context = start(Map.of());
        models = context.getBean(ModelService.class);
        Page<Model> page = models.list(0, 10);
        assertThat(page.items()).extracting(Model::id).containsExactly(a.id(), b.id());
        Model again = models.get(a.id());
        assertThat(again.name()).isEqualTo("a");
        assertThat(again.description()).isEqualTo("first");
        assertThat(again.definition()).isEqualTo(definition());
        assertThat(again.seed()).isEqualTo(11);
        assertThat(again.createdAt()).isEqualTo(a.createdAt());
        assertThat(again.trainingState()).isEqualTo(Model.TrainingState.TRAINED);
        assertThat(again.versions()).extracting(ModelVersion::number).containsExactly(1, 2);
        assertThat(again.versions().get(0).summary()).isEqualTo(summary("job-1"));
        assertThat(models.version(a.id(), 1).trainedModel().predict(INPUTS).data().asFloat()).isEqualTo(expected1);
        assertThat(models.version(a.id(), null).trainedModel().predict(INPUTS).data().asFloat()).isEqualTo(expected2);
        Model untrained = models.get(b.id());
        assertThat(untrained.name()).isNull();
        assertThat(untrained.lossEpsilon()).isEqualTo(1e-6);
        assertThat(untrained.trainingState()).isEqualTo(Model.TrainingState.UNTRAINED);
    }

    @Test
    void aVersionEvictedFromMemoryIsReadBackFromItsFile() {
        context = start(Map.of("chainrule.models.cached-versions", "1"));
        ModelService models = context.getBean(ModelService.class);
        Model model = models.create("m", null, definition(), 1, 1e-7);
        TrainedModel v1 = trained(1);
        models.addVersion(model.id(), v1, summary("j1"));
        models.addVersion(model.id(), trained(2), summary("j2")); // pushes v1 out of the cache

        TrainedModel reread = models.version(model.id(), 1).trainedModel();
        assertThat(reread).isNotSameAs(v1);
        assertThat(reread.predict(INPUTS).data().asFloat()).isEqualTo(v1.predict(INPUTS).data().asFloat());
    }

    @Test
    void newVersionsAndDeletionsShowAtOnceHereAndWithinTheLookupTtlInAnotherProcess() {
        context = start(Map.of("chainrule.models.version-lookup-ttl", "2s"));
        ModelService models = context.getBean(ModelService.class);
        // a second process on the same database and data directory, whose clock for the lookups the test moves
        AtomicLong nanos = new AtomicLong();
        ModelService other = new ModelService(context.getBean(ModelRepository.class), context.getBean(BlobStore.class),
                context.getBean(TransactionTemplate.class), java.time.Clock.systemUTC(),
                context.getBean(dev.chainrule.config.ChainruleProperties.class), context.getBeanProvider(ModelUsage.class),
                nanos::get);
        Model model = models.create("m", null, definition(), 1, 1e-7);

        assertThatThrownBy(() -> models.version(model.id(), null)).isInstanceOf(VersionNotFoundException.class);
        assertThatThrownBy(() -> other.version(model.id(), null)).isInstanceOf(VersionNotFoundException.class);
        models.addVersion(model.id(), trained(1), summary("j1"));
        assertThat(models.version(model.id(), null).number()).as("a first version, at once").isEqualTo(1);
        assertThat(other.version(model.id(), null).number()).as("no lookup was kept while there was none").isEqualTo(1);

        models.addVersion(model.id(), trained(2), summary("j2"));
        assertThat(models.version(model.id(), null).number()).as("this process's own new version, at once").isEqualTo(2);
        assertThat(other.version(model.id(), null).number()).as("the other process, within its ttl").isEqualTo(1);
        nanos.addAndGet(Duration.ofMillis(1999).toNanos());
        assertThat(other.version(model.id(), null).number()).isEqualTo(1);
        nanos.addAndGet(Duration.ofMillis(2).toNanos());
        assertThat(other.version(model.id(), null).number()).as("after the ttl").isEqualTo(2);
        assertThat(other.version(model.id(), 1).summary()).isEqualTo(summary("j1"));

        models.delete(model.id());
        assertThatThrownBy(() -> models.version(model.id(), null)).isInstanceOf(ModelNotFoundException.class);
        // the other process still has the row for up to its ttl; its file is gone, so it answers "not found" too
        ModelVersion stale = other.version(model.id(), null);
        assertThatThrownBy(stale::trainedModel).isInstanceOf(ModelNotFoundException.class);
        assertThatThrownBy(() -> other.version(model.id(), null)).as("the stale lookup was dropped")
                .isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void anAliasMoveShowsAtOnceHereAndWithinTheLookupTtlInAnotherProcessAndItsHistorySurvivesARestart() {
        context = start(Map.of("chainrule.models.version-lookup-ttl", "2s"));
        ModelService models = context.getBean(ModelService.class);
        ModelAliases aliases = context.getBean(ModelAliases.class);
        AtomicLong nanos = new AtomicLong();
        ModelService other = new ModelService(context.getBean(ModelRepository.class), context.getBean(dev.chainrule.storage.BlobStore.class),
                context.getBean(TransactionTemplate.class), java.time.Clock.systemUTC(),
                context.getBean(dev.chainrule.config.ChainruleProperties.class), context.getBeanProvider(ModelUsage.class),
                nanos::get);
        Model model = models.create("m", null, definition(), 1, 1e-7);
        models.addVersion(model.id(), trained(1), summary("j1"));
        models.addVersion(model.id(), trained(2), summary("j2"));
        VersionRef production = VersionRef.alias("production");

        assertThatThrownBy(() -> models.resolve(model.id(), production)).isInstanceOf(AliasNotFoundException.class);
        assertThat(aliases.set(model.id(), "production", 1, "release-bot").created()).isTrue();
        aliases.setDefault(model.id(), "production");
        for (ModelService process : List.of(models, other)) {
            ModelVersion v = process.resolve(model.id(), production);
            assertThat(v.number()).isEqualTo(1);
            assertThat(v.alias()).isEqualTo("production");
            assertThat(process.resolve(model.id(), VersionRef.DEFAULT).number()).as("the default alias").isEqualTo(1);
            assertThat(process.resolve(model.id(), VersionRef.LATEST).number()).isEqualTo(2);
        }

        ModelAliases.Change moved = aliases.set(model.id(), "production", 2, null);
        assertThat(moved.created()).isFalse();
        assertThat(models.resolve(model.id(), production).number()).as("this process's own move, at once").isEqualTo(2);
        assertThat(models.resolve(model.id(), VersionRef.DEFAULT).number()).isEqualTo(2);
        assertThat(other.resolve(model.id(), production).number()).as("the other process, within its ttl").isEqualTo(1);
        assertThat(other.resolve(model.id(), VersionRef.DEFAULT).number()).isEqualTo(1);
        nanos.addAndGet(Duration.ofMillis(2001).toNanos());
        assertThat(other.resolve(model.id(), production).number()).as("after the ttl").isEqualTo(2);
        assertThat(other.resolve(model.id(), VersionRef.DEFAULT).number()).isEqualTo(2);

        assertThatThrownBy(() -> aliases.delete(model.id(), "production", null)).isInstanceOf(AliasInUseException.class);
        aliases.setDefault(model.id(), null);
        assertThat(models.resolve(model.id(), VersionRef.DEFAULT).number()).as("no default: the latest").isEqualTo(2);
        aliases.set(model.id(), "staging", 1, null);
        aliases.delete(model.id(), "staging", "ops");
        assertThatThrownBy(() -> models.resolve(model.id(), VersionRef.alias("staging"))).isInstanceOf(AliasNotFoundException.class);

        context.close();
        context = start(Map.of());
        ModelAliases again = context.getBean(ModelAliases.class);
        ModelAlias alias = again.get(model.id(), "production");
        assertThat(alias.version()).isEqualTo(2);
        assertThat(alias.history()).extracting(ModelAlias.Move::fromVersion, ModelAlias.Move::toVersion, ModelAlias.Move::movedBy)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(null, 1, "release-bot"),
                        org.assertj.core.groups.Tuple.tuple(1, 2, null));
        assertThat(alias.history().get(1).movedAt()).isAfterOrEqualTo(alias.history().get(0).movedAt())
                .isEqualTo(alias.updatedAt());
        assertThatThrownBy(() -> again.get(model.id(), "staging")).isInstanceOf(AliasNotFoundException.class);
        assertThat(context.getBean(ModelService.class).get(model.id()).aliases()).isEqualTo(Map.of("production", 2));
    }

    @Test
    void theDatabaseKeepsAVersionAnAliasPointsToAndAModelDeletionTakesItsAliasesAndHistory() {
        context = start(Map.of());
        ModelService models = context.getBean(ModelService.class);
        ModelAliases aliases = context.getBean(ModelAliases.class);
        JdbcClient db = context.getBean(JdbcClient.class);
        Model model = models.create("m", null, definition(), 1, 1e-7);
        models.addVersion(model.id(), trained(1), summary("j1"));
        models.addVersion(model.id(), trained(2), summary("j2"));
        aliases.set(model.id(), "production", 1, null);
        aliases.set(model.id(), "production", 2, null);
        assertThatThrownBy(() -> aliases.set(model.id(), "production", 3, null)).isInstanceOf(VersionNotFoundException.class);
        assertThatThrownBy(() -> aliases.set(model.id(), "Not-A-Name", 1, null)).isInstanceOf(IllegalArgumentException.class);

        // no version deletion exists; should one come, the foreign key refuses to take a version an alias points to
        assertThatThrownBy(() -> db.sql("DELETE FROM model_versions WHERE model_id = ? AND version = 2").param(model.id()).update())
                .isInstanceOf(org.springframework.dao.DataIntegrityViolationException.class);
        assertThat(db.sql("DELETE FROM model_versions WHERE model_id = ? AND version = 1").param(model.id()).update()).isEqualTo(1);

        models.delete(model.id());
        for (String table : List.of("model_aliases", "model_alias_moves", "model_versions")) {
            assertThat(db.sql("SELECT count(*) FROM " + table + " WHERE model_id = ?").param(model.id()).query(Long.class).single())
                    .as(table).isZero();
        }
        assertThatThrownBy(() -> aliases.list(model.id())).isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void aLookupTtlOfZeroAsksTheDatabaseEveryTime() {
        context = start(Map.of("chainrule.models.version-lookup-ttl", "0s"));
        ModelService models = context.getBean(ModelService.class);
        // another process whose lookups' clock stands still: only a ttl of zero lets it see a new version
        ModelService other = new ModelService(context.getBean(ModelRepository.class), context.getBean(BlobStore.class),
                context.getBean(TransactionTemplate.class), java.time.Clock.systemUTC(),
                context.getBean(dev.chainrule.config.ChainruleProperties.class), context.getBeanProvider(ModelUsage.class),
                () -> 0L);
        Model model = models.create("m", null, definition(), 1, 1e-7);
        models.addVersion(model.id(), trained(1), summary("j1"));
        assertThat(other.version(model.id(), null).number()).isEqualTo(1);
        models.addVersion(model.id(), trained(2), summary("j2"));
        assertThat(other.version(model.id(), null).number()).isEqualTo(2);
    }

    @Test
    void aVersionLookupInFlightWhileItsModelIsDeletedDoesNotOutliveTheDeletion() throws InterruptedException {
        context = start(Map.of("chainrule.models.version-lookup-ttl", "1h"));
        CountDownLatch rowRead = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean paused = new AtomicBoolean();
        // the first lookup reads the row, then waits (still inside the cache's load) while the model is deleted
        ModelRepository pausing = new ModelRepository(context.getBean(JdbcClient.class)) {
            @Override
            Optional<VersionRow> version(String modelId, Integer number) {
                Optional<VersionRow> row = super.version(modelId, number);
                if (paused.compareAndSet(false, true)) {
                    rowRead.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return row;
            }
        };
        ModelService models = new ModelService(pausing, context.getBean(BlobStore.class),
                context.getBean(TransactionTemplate.class), java.time.Clock.systemUTC(),
                context.getBean(dev.chainrule.config.ChainruleProperties.class), context.getBeanProvider(ModelUsage.class));
        Model model = models.create("m", null, definition(), 1, 1e-7);
        models.addVersion(model.id(), trained(1), summary("j1"));

        Thread lookup = new Thread(() -> models.version(model.id(), null));
        lookup.start();
        rowRead.await();
        Thread deletion = new Thread(() -> models.delete(model.id()));
        deletion.start();
        // the deletion either ends without waiting for the lookup, or waits for it in the cache
        while (deletion.isAlive() && !(deletion.getState() == Thread.State.BLOCKED && Arrays.stream(deletion.getStackTrace())
                .anyMatch(frame -> frame.getClassName().startsWith("java.util.concurrent.ConcurrentHashMap")))) {
            Thread.sleep(1);
        }
        release.countDown();
        lookup.join();
        deletion.join();

        assertThat(pausing.find(model.id())).isEmpty();
        assertThatThrownBy(() -> models.version(model.id(), null)).as("the row the lookup read was not kept")
                .isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void pagesListModelsOldestFirst() {
        context = start(Map.of());
        ModelService models = context.getBean(ModelService.class);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(models.create("m" + i, null, definition(), i, 1e-7).id());
        }
        assertThat(models.list(0, 2).items()).extracting(Model::id).containsExactly(ids.get(0), ids.get(1));
        assertThat(models.list(2, 2).items()).extracting(Model::id).containsExactly(ids.get(4));
        assertThat(models.list(3, 2).items()).isEmpty();
        assertThat(models.list(0, 2).totalItems()).isEqualTo(5);
    }

    /** The Open Inference Protocol's model names: the ids of the models with a name, oldest first, at most a limit. */
    @Test
    void idsNamedFindsEveryModelOfANameOldestFirst() {
        context = start(Map.of());
        ModelService models = context.getBean(ModelService.class);
        String first = models.create("twin", null, definition(), 1, 1e-7).id();
        models.create("other", null, definition(), 2, 1e-7);
        String second = models.create("twin", null, definition(), 3, 1e-7).id();
        String third = models.create("twin", null, definition(), 4, 1e-7).id();
        assertThat(models.idsNamed("twin", 10)).containsExactly(first, second, third);
        assertThat(models.idsNamed("twin", 2)).containsExactly(first, second);
        assertThat(models.idsNamed("Twin", 10)).isEmpty();
        assertThat(models.idsNamed("nobody", 10)).isEmpty();
    }

    @Test
    void deletingAModelRemovesItsRowsAndFilesAndIsRefusedWhileAJobUsesIt() throws IOException {
        context = start(Map.of());
        ModelService models = context.getBean(ModelService.class);
        JdbcClient db = context.getBean(JdbcClient.class);
        Model model = models.create("m", null, definition(), 1, 1e-7);
        models.addVersion(model.id(), trained(1), summary("j1"));
        models.addVersion(model.id(), trained(2), summary("j2"));
        Path modelDir = dataDir.resolve("models").resolve(model.id());
        try (var files = Files.list(modelDir)) {
            assertThat(files.count()).isEqualTo(2);
        }

        // a queued job of any replica, as its record in the jobs table shows it, holds the model
        String jobId = java.util.UUID.randomUUID().toString();
        db.sql("INSERT INTO jobs (id, model_id, status, spec, created_at, history) VALUES (?, ?, 'QUEUED', '{}', CURRENT_TIMESTAMP, '[]')")
                .params(jobId, model.id()).update();
        assertThatThrownBy(() -> models.delete(model.id())).isInstanceOf(ModelInUseException.class);
        assertThat(models.get(model.id()).trainingState()).isEqualTo(Model.TrainingState.TRAINING);
        db.sql("UPDATE jobs SET status = 'CANCELLED' WHERE id = ?").param(jobId).update();

        models.delete(model.id());
        assertThatThrownBy(() -> models.get(model.id())).isInstanceOf(ModelNotFoundException.class);
        assertThat(db.sql("SELECT count(*) FROM model_versions WHERE model_id = ?").param(model.id()).query(Long.class).single()).isZero();
        assertThat(modelDir).doesNotExist();
        assertThatThrownBy(() -> models.addVersion(model.id(), trained(3), summary("late")))
                .isInstanceOf(ModelNotFoundException.class);
        assertThat(modelDir).doesNotExist();
    }

    @Test
    void aVersionWhoseCallersTransactionRollsBackLeavesNoFile() throws IOException {
        context = start(Map.of());
        ModelService models = context.getBean(ModelService.class);
        Model model = models.create("m", null, definition(), 1, 1e-7);
        TransactionTemplate transaction = context.getBean(TransactionTemplate.class);
        assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
            models.addVersion(model.id(), trained(1), summary("j1"));
            throw new IllegalStateException("the job's record could not be written");
        })).hasMessage("the job's record could not be written");

        assertThat(models.get(model.id()).versions()).isEmpty();
        Path modelDir = dataDir.resolve("models").resolve(model.id());
        assertThat(modelDir).doesNotExist();
    }

    @Test
    void anExportedVersionImportsAsANewModelWithIdenticalPredictions() throws IOException {
        context = start(Map.of());
        ModelService models = context.getBean(ModelService.class);
        Model model = models.create("iris net", "exported", definition(), 5, 1e-7);
        TrainedModel v1 = trained(9);
        models.addVersion(model.id(), v1, summary("job-9"));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        models.export(model.id(), 1, file);

        Model imported = models.importModel(new ByteArrayInputStream(file.toByteArray()), null, definition -> {
        });
        assertThat(imported.id()).isNotEqualTo(model.id());
        assertThat(imported.name()).isEqualTo("iris net");
        assertThat(imported.description()).isEqualTo("exported");
        assertThat(imported.seed()).isEqualTo(5);
        assertThat(imported.definition()).isEqualTo(definition());
        assertThat(imported.versions()).hasSize(1);
        ModelVersion.Summary s = imported.versions().get(0).summary();
        assertThat(s.epochs()).isEqualTo(7);
        assertThat(s.trainingLoss()).isEqualTo(0.25);
        assertThat(s.validationLoss()).isEqualTo(0.5);
        assertThat(s.metrics()).isEqualTo(Map.of("accuracy", 0.9));
        assertThat(models.version(imported.id(), 1).trainedModel().predict(INPUTS).data().asFloat())
                .isEqualTo(v1.predict(INPUTS).data().asFloat());
    }

    @Test
    void aFileNoRowNamesForTheGracePeriodIsRemovedAtStartupAndNamedFilesAreKept() throws IOException {
        context = start(Map.of());
        ModelService models = context.getBean(ModelService.class);
        Model model = models.create("m", null, definition(), 1, 1e-7);
        models.addVersion(model.id(), trained(1), summary("j1"));
        context.close();
        // what a crash between a file's write and its row leaves behind: one long ago, one just now (which may be
        // another replica's write whose row is still to come)
        LocalBlobStore files = new LocalBlobStore(dataDir);
        String orphan = files.put("models/" + model.id() + "/orphan.model", out -> out.write(new byte[] {1, 2, 3}));
        String recent = files.put("models/" + model.id() + "/recent.model", out -> out.write(new byte[] {4}));
        Path halfWritten = files.newTempFile();
        Path recentTemp = files.newTempFile();
        FileTime twoHoursAgo = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
        Files.setLastModifiedTime(dataDir.resolve(orphan), twoHoursAgo);
        Files.setLastModifiedTime(halfWritten, twoHoursAgo);

        context = start(Map.of("chainrule.storage.orphan-grace", "1h"));
        assertThat(dataDir.resolve(orphan)).doesNotExist();
        assertThat(halfWritten).doesNotExist();
        assertThat(dataDir.resolve(recent)).as("younger than the grace period").exists();
        assertThat(recentTemp).exists();
        ModelVersion kept = context.getBean(ModelService.class).version(model.id(), 1);
        assertThat(kept.trainedModel().predict(INPUTS).data().asFloat()).isEqualTo(trained(1).predict(INPUTS).data().asFloat());
    }
}
