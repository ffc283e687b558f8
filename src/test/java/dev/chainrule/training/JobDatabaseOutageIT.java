package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.storage.PostgresDatabase;
import dev.chainrule.storage.ServiceOnDisk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A running job through a real PostgreSQL outage: the test stops and starts the server the store tests use (CI's,
 * from .ci/postgres.sh, with pg_ctlcluster as an operator would; it runs after every unit test, alone). A short
 * outage costs the job nothing but time; one longer than chainrule.jobs.database-retry-window stops it, and it
 * continues from its last checkpoint once the database is back. Either way it ends with the uninterrupted weights.
 */
@PostgresDatabase.Required
class JobDatabaseOutageIT {
    private final Path dataDir = Path.of("target", "test-data", "outage-" + UUID.randomUUID()).toAbsolutePath();
    private ConfigurableApplicationContext context;

    @AfterEach
    void stop() throws Exception {
        postgres("start"); // whatever happened, the next test finds the server up
        if (context != null) {
            context.close();
        }
    }

    /** pg_ctlcluster VERSION main ACTION for the cluster .ci/postgres.sh started. */
    private static void postgres(String action) throws IOException, InterruptedException {
        Process list = new ProcessBuilder("pg_lsclusters", "-h").redirectErrorStream(true).start();
        String line = new String(list.getInputStream().readAllBytes()).lines().filter(l -> l.contains(" main "))
                .findFirst().orElseThrow(() -> new AssertionError("no PostgreSQL cluster named main"));
        String version = line.trim().split("\\s+")[0];
        Process ctl = new ProcessBuilder("pg_ctlcluster", version, "main", action).redirectErrorStream(true).start();
        String output = new String(ctl.getInputStream().readAllBytes());
        assertThat(ctl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // "start" of a running cluster says so and exits 2: that is fine
        assertThat(ctl.exitValue() == 0 || output.contains("already running")).as(action + ": " + output).isTrue();
    }

    private static boolean canControlPostgres() {
        try {
            return new ProcessBuilder("pg_lsclusters", "-h").start().waitFor() == 0
                    && "root".equals(System.getProperty("user.name"));
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private ConfigurableApplicationContext start(String retryWindow) {
        Map<String, Object> settings = new LinkedHashMap<>(PostgresDatabase.properties());
        settings.putAll(Map.of("chainrule.jobs.workers", 1, "chainrule.jobs.checkpoint-interval", "0s",
                "chainrule.jobs.database-retry-window", retryWindow, "chainrule.cluster.lease-duration", "5s",
                "chainrule.cluster.lease-renewal-interval", "500ms", "chainrule.cluster.claim-interval", "500ms",
                "spring.datasource.hikari.connection-timeout", "2000"));
        return ServiceOnDisk.start(dataDir, Map.of(), settings);
    }

    /** Runs the job through {@code outage} of the database, then the same job uninterrupted; their weights agree. */
    private void survives(String retryWindow, long outageMillis, int epochs) throws Exception {
        assumeTrue(canControlPostgres(), "needs root and pg_ctlcluster to stop the server (CI has both)");
        context = start(retryWindow);
        ModelService models = context.getBean(ModelService.class);
        TrainingJobService jobs = context.getBean(TrainingJobService.class);
        Model interrupted = models.create("interrupted", null, IrisJobs.definition(), 5, 1e-7);
        Model straight = models.create("straight", null, IrisJobs.definition(), 5, 1e-7);
        TrainingJob job = jobs.submit(IrisJobs.spec(interrupted.id(), epochs, 13));
        IrisJobs.await(() -> job.epochsShown() >= 3, "three epochs", 120);

        postgres("stop");
        long stopped = System.nanoTime();
        Thread.sleep(outageMillis);
        postgres("start");
        System.out.printf("database down %d ms at epoch %d of %d%n", (System.nanoTime() - stopped) / 1_000_000,
                job.epochsShown(), epochs);

        TrainingJob after = jobs.get(job.id());
        IrisJobs.await(() -> jobs.get(job.id()).status().isFinished(), "the job to end after the outage", 300);
        assertThat(jobs.get(job.id()).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(models.get(interrupted.id()).versions()).hasSize(1);
        TrainingJob reference = jobs.submit(IrisJobs.spec(straight.id(), epochs, 13));
        IrisJobs.await(() -> reference.status().isFinished(), "the uninterrupted job", 300);
        Map<String, float[]> expected = IrisJobs.weights(models, straight.id(), 1);
        Map<String, float[]> actual = IrisJobs.weights(models, interrupted.id(), 1);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
        }
        assertThat(after).isNotNull();
    }

    @Test
    void aJobRunsOnThroughADatabaseOutageShorterThanItsRetryWindowAndEndsWithTheUninterruptedWeights() throws Exception {
        survives("60s", 5_000, 80);
    }

    @Test
    void aJobStoppedByAnOutageLongerThanItsRetryWindowContinuesFromItsCheckpointOnceTheDatabaseIsBack() throws Exception {
        survives("2s", 8_000, 80);
    }
}
