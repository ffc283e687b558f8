package dev.chainrule.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.awaitility.Awaitility;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.storage.ServiceOnDisk;
import dev.chainrule.training.Validation;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two replicas on one database: a sweep created on one is advanced by both (its trials' jobs run on each), and when
 * the replica that created it stops, the other one admits and records the rest on its own.
 */
class SweepReplicasTest {
    private final Path dataDir = Path.of("target", "test-data", "sweep-replicas-" + UUID.randomUUID()).toAbsolutePath();
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    private ConfigurableApplicationContext replica(String id) {
        ConfigurableApplicationContext context = ServiceOnDisk.start(dataDir, Map.of(), Map.of("chainrule.jobs.workers", 1,
                "chainrule.jobs.checkpoint-interval", "0s", "chainrule.cluster.replica-id", id,
                "chainrule.cluster.lease-duration", "3s", "chainrule.cluster.lease-renewal-interval", "200ms",
                "chainrule.cluster.claim-interval", "100ms", "chainrule.sweeps.max-worker-share", 1.0,
                "chainrule.sweeps.reconcile-interval", "100ms"));
        contexts.add(context);
        return context;
    }

    @AfterEach
    void stop() {
        Collections.reverse(contexts);
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Awaitility.await(what).atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
    }

    @Test
    void bothReplicasAdvanceASweepAndTheSurvivorFinishesIt() throws Exception {
        ConfigurableApplicationContext first = replica("replica-a");
        ConfigurableApplicationContext second = replica("replica-b");
        StoredDataset iris;
        try (InputStream csv = Files.newInputStream(TestDatasets.file("iris/iris.csv"))) {
            iris = first.getBean(DatasetService.class).upload(csv, "iris.csv", "iris", List.of());
        }
        List<TrialPlan> trials = new ArrayList<>();
        for (int units : new int[] {4, 6, 8, 10, 12, 14}) {
            NetworkDefinition definition = new NetworkDefinition(4, List.of(new LayerSpec(units, Activation.TANH),
                    new LayerSpec(3, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
            Map<String, Object> parameters = new LinkedHashMap<>(Map.of("units", units));
            trials.add(new TrialPlan(parameters, new TrialPlan.ModelPlan("replicas trial", null, definition, 1, 1e-7),
                    new TrialPlan.JobPlan(iris.id(), null, new Validation.Split(0.2, 5), 120,
                            TrainingConfig.of(30, 1, OptimiserSettings.adam(0.01), 5), true)));
        }
        Sweep created = first.getBean(SweepService.class).create(new SweepPlan("replicas", SweepMetric.VALIDATION_LOSS,
                "minimize", null, Map.of(), trials));
        SweepService seenBySecond = second.getBean(SweepService.class);
        JdbcClient db = second.getBean(JdbcClient.class);

        // two workers in the cluster, a share of 1.0: two trials at once, one on each replica
        await(() -> db.sql("SELECT count(DISTINCT j.owner) FROM jobs j JOIN sweep_trials t ON t.job_id = j.id "
                + "WHERE j.owner IS NOT NULL").query(Long.class).single() == 2, "trials claimed by both replicas");
        assertThat(db.sql("SELECT count(*) FROM sweep_trials WHERE state = 'ADMITTED'").query(Long.class).single())
                .isLessThanOrEqualTo(2);

        first.close();
        contexts.remove(first);
        await(() -> seenBySecond.get(created.id()).finishedAt() != null, "the sweep finished by the surviving replica");
        Sweep done = seenBySecond.get(created.id());
        assertThat(done.state()).isEqualTo(SweepState.SUCCEEDED);
        assertThat(done.trials()).allSatisfy(t -> assertThat(t.status()).isEqualTo("SUCCEEDED"));
        assertThat(db.sql("SELECT count(*) FROM jobs").query(Long.class).single()).as("one job per trial").isEqualTo(6);
        assertThat(db.sql("SELECT count(*) FROM models").query(Long.class).single()).as("one model per trial").isEqualTo(6);
        assertThat(db.sql("SELECT count(*) FROM sweep_trials WHERE finished_order IS NOT NULL").query(Long.class).single())
                .isEqualTo(6);
        assertThat(db.sql("SELECT count(DISTINCT finished_order) FROM sweep_trials").query(Long.class).single())
                .as("each end recorded once").isEqualTo(6);
    }
}
