package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.storage.S3ProxyServer;
import dev.chainrule.storage.ServiceOnDisk;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
        NetworkDefinition iris = IrisJobs.definition();
        Model interrupted = models.create("interrupted", null, iris, 5, 1e-7);
        Model straight = models.create("straight", null, iris, 5, 1e-7);

        TrainingJob job = jobs.submit(IrisJobs.spec(interrupted.id(), 60, 17));
        IrisJobs.await(() -> job.epochsShown() >= 3, "three epochs", 120);
        server.kill();
        Thread.sleep(6_000); // long enough for the job to need the store for a checkpoint, and likely its version
        int shownDuringOutage = job.epochsShown();
        server.restart();

        IrisJobs.await(() -> job.status().isFinished(), "the job to end after the outage", 180);
        assertThat(job.status()).as(job.failureReason()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(shownDuringOutage).as("training went on while the store was down").isGreaterThan(3);
        double failedCheckpoints = context.getBean(MeterRegistry.class).get("chainrule.jobs.checkpoint.failures")
                .counter().count();
        assertThat(failedCheckpoints).as("checkpoints refused by the stopped store, and the job went on").isPositive();

        TrainingJob reference = jobs.submit(IrisJobs.spec(straight.id(), 60, 17));
        IrisJobs.await(() -> reference.status().isFinished(), "the uninterrupted job", 180);
        Map<String, float[]> expected = IrisJobs.weights(models, straight.id(), 1);
        Map<String, float[]> actual = IrisJobs.weights(models, interrupted.id(), 1);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
        }
    }
}
