package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.storage.ServiceOnDisk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two replicas in one JVM on one database and one data directory, as two processes of a cluster would share them:
 * jobs are claimed under leases, any replica shows, follows and cancels any job, a replica that shuts down hands its
 * job to the other, and one that lost its lease writes nothing more. (Processes killed for real, behind a real
 * balancer: ReplicaClusterIT.)
 */
abstract class ReplicasContract {
    private final Path dataDir = Path.of("target", "test-data", "replicas-" + UUID.randomUUID()).toAbsolutePath();
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    /** The same database for every replica of a test. */
    abstract Map<String, Object> database();

    @AfterEach
    void stop() {
        Collections.reverse(contexts);
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    /** A replica with one worker, quick leases, and checkpoints after every epoch. */
    private ConfigurableApplicationContext replica(String id, String claimInterval, Map<String, Object> more) {
        Map<String, Object> settings = new LinkedHashMap<>(Map.of("chainrule.jobs.workers", 1,
                "chainrule.jobs.queue-capacity", 1, "chainrule.jobs.checkpoint-interval", "0s",
                "chainrule.cluster.replica-id", id, "chainrule.cluster.lease-duration", "3s",
                "chainrule.cluster.lease-renewal-interval", "200ms", "chainrule.cluster.claim-interval", claimInterval,
                "chainrule.cluster.event-poll-interval", "100ms"));
        settings.putAll(more);
        ConfigurableApplicationContext context = ServiceOnDisk.start(dataDir, database(), settings);
        contexts.add(context);
        return context;
    }

    /** Writes down the epochs it is told of, in order, and the end. */
    private static final class Recorder implements JobEvents {
        final List<Integer> epochs = Collections.synchronizedList(new ArrayList<>());
        volatile JobStatus end;

        @Override
        public void epochFinished(TrainingJob job, EpochReport report) {
            epochs.add(report.epoch());
        }

        @Override
        public void jobFinished(TrainingJob job) {
            end = job.status();
        }

        @Override
        public void dropped(TrainingJob job) {
            throw new AssertionError("dropped");
        }
    }

    private static List<Integer> oneToN(int n) {
        List<Integer> all = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            all.add(i);
        }
        return all;
    }

    @Test
    void aJobOnOneReplicaIsShownFollowedAndCancelledThroughTheOther() throws Exception {
        ConfigurableApplicationContext a = replica("replica-a", "1s", Map.of());
        Model model = a.getBean(ModelService.class).create("m", null, IrisJobs.definition(), 5, 1e-7);
        TrainingJob onA = a.getBean(TrainingJobService.class).submit(IrisJobs.spec(model.id(), 1000, 11));
        IrisJobs.await(() -> onA.epochsShown() >= 1, "the first epoch on replica a", 60);
        ConfigurableApplicationContext b = replica("replica-b", "1h", Map.of());
        TrainingJobService jobsOnB = b.getBean(TrainingJobService.class);

        TrainingJob seenFromB = jobsOnB.get(onA.id());
        assertThat(seenFromB).isNotSameAs(onA);
        assertThat(seenFromB.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(seenFromB.owner()).isEqualTo("replica-a");
        Recorder follower = new Recorder();
        seenFromB.follow(follower);
        int before = onA.epochsShown();
        IrisJobs.await(() -> follower.epochs.size() > before + 2, "epochs written on a to reach b's follower", 60);
        assertThat(b.getBean(ModelService.class).get(model.id()).trainingState()).isEqualTo(Model.TrainingState.TRAINING);
        assertThatThrownBy(() -> b.getBean(ModelService.class).delete(model.id()))
                .isInstanceOf(dev.chainrule.model.ModelInUseException.class);

        long asked = System.nanoTime();
        jobsOnB.cancel(onA.id());
        IrisJobs.await(() -> onA.status().isFinished(), "a to stop the job cancelled through b", 30);
        double seconds = (System.nanoTime() - asked) / 1e9;
        assertThat(onA.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(seconds).as("within a few lease renewals").isLessThan(5);
        IrisJobs.await(() -> follower.end != null, "b's follower to get the end", 30);
        assertThat(follower.end).isEqualTo(JobStatus.CANCELLED);
        assertThat(follower.epochs).as("every epoch once, in order").isEqualTo(oneToN(follower.epochs.size()));
        assertThat(follower.epochs.size()).isEqualTo(onA.history().size());
        b.getBean(ModelService.class).delete(model.id());
    }

    /**
     * A replica that looks for work once an hour still starts a job submitted to it at once: after the look at its
     * start (which may take the first job), only the submit's own wake-up can claim the second. (Without that wake-up
     * the first job already waits: the look at the start comes before it.)
     */
    @Test
    void aJobSubmittedToAReplicaIsClaimedThereByTheSubmitNotAtTheNextLookForWork() throws Exception {
        ConfigurableApplicationContext a = replica("replica-a", "1h", Map.of());
        Model model = a.getBean(ModelService.class).create("m", null, IrisJobs.definition(), 5, 1e-7);
        TrainingJobService jobs = a.getBean(TrainingJobService.class);
        TrainingJob first = jobs.submit(IrisJobs.spec(model.id(), 2, 11));
        IrisJobs.await(() -> first.status().isFinished(), "the first job to end", 60);
        TrainingJob second = jobs.submit(IrisJobs.spec(model.id(), 2, 12));
        IrisJobs.await(() -> second.status().isFinished(), "the second job, claimed by its submit, to end", 60);
        assertThat(second.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(second.history()).hasSize(2);
        assertThat(second.resultVersion()).isEqualTo(2);
    }

    @Test
    void aReplicaThatShutsDownHandsItsJobToAnotherWhichEndsItWithTheUninterruptedWeights() throws Exception {
        ConfigurableApplicationContext a = replica("replica-a", "1s", Map.of());
        ModelService models = a.getBean(ModelService.class);
        Model handedOver = models.create("handed over", null, IrisJobs.definition(), 5, 1e-7);
        Model straight = models.create("straight", null, IrisJobs.definition(), 5, 1e-7);
        TrainingJob onA = a.getBean(TrainingJobService.class).submit(IrisJobs.spec(handedOver.id(), 40, 11));
        IrisJobs.await(() -> onA.epochsShown() >= 5, "five epochs on replica a", 60);
        ConfigurableApplicationContext b = replica("replica-b", "200ms", Map.of());
        TrainingJobService jobsOnB = b.getBean(TrainingJobService.class);
        Recorder follower = new Recorder();
        jobsOnB.get(onA.id()).follow(follower);

        long closed = System.nanoTime();
        a.close(); // a rolling deploy: the job stops at a minibatch, its lease is released at once
        contexts.remove(a);
        TrainingJob onB = jobsOnB.get(onA.id());
        IrisJobs.await(() -> "replica-b".equals(onB.owner()) || onB.status().isFinished(), "b to claim the job", 30);
        assertThat((System.nanoTime() - closed) / 1e9).as("claimed without waiting for the lease to expire").isLessThan(3);
        IrisJobs.await(() -> onB.status().isFinished(), "the job to end on b", 120);
        assertThat(onB.status()).isEqualTo(JobStatus.SUCCEEDED);
        IrisJobs.await(() -> follower.end != null, "the follower's end", 30);
        assertThat(follower.epochs).as("every epoch once, in order, across the handover").isEqualTo(oneToN(40));

        ModelService modelsOnB = b.getBean(ModelService.class);
        assertThat(modelsOnB.get(handedOver.id()).versions()).hasSize(1);
        TrainingJob reference = jobsOnB.submit(IrisJobs.spec(straight.id(), 40, 11));
        IrisJobs.await(() -> reference.status().isFinished(), "the uninterrupted job", 120);
        Map<String, float[]> expected = IrisJobs.weights(modelsOnB, straight.id(), 1);
        Map<String, float[]> actual = IrisJobs.weights(modelsOnB, handedOver.id(), 1);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
        }
    }

    @Test
    void aReplicaWhoseLeaseWasTakenWritesNothingMoreAndTheJobEndsOnceWithOneVersion() throws Exception {
        ConfigurableApplicationContext a = replica("replica-a", "1h", Map.of());
        ModelService models = a.getBean(ModelService.class);
        Model model = models.create("m", null, IrisJobs.definition(), 5, 1e-7);
        TrainingJob onA = a.getBean(TrainingJobService.class).submit(IrisJobs.spec(model.id(), 60, 11));
        IrisJobs.await(() -> onA.epochsShown() >= 3, "three epochs on replica a", 60);
        JdbcClient db = a.getBean(JdbcClient.class);
        // as if a had frozen past its lease and another replica had claimed the job (attempt 2) and died at once:
        // a's next renewal or write finds the attempt changed, and b claims the expired lease (attempt 3)
        db.sql("UPDATE jobs SET owner = 'replica-gone', attempt = attempt + 1, lease_expires_at = CURRENT_TIMESTAMP "
                + "WHERE id = ?").param(onA.id()).update();
        ConfigurableApplicationContext b = replica("replica-b", "100ms", Map.of());
        TrainingJobService jobsOnB = b.getBean(TrainingJobService.class);
        IrisJobs.await(() -> "replica-b".equals(jobsOnB.get(onA.id()).owner()) || jobsOnB.get(onA.id()).status().isFinished(),
                "b to claim the job", 30);
        TrainingJob onB = jobsOnB.get(onA.id());
        IrisJobs.await(() -> onB.status().isFinished(), "the job to end on b", 120);
        assertThat(onB.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(db.sql("SELECT attempt FROM jobs WHERE id = ?").param(onA.id()).query(Integer.class).single())
                .isEqualTo(3);
        // a learned at its next write or renewal that it lost the job: its object shows what b did, and no second
        // version or end came from it
        IrisJobs.await(() -> onA.status().isFinished(), "a's object to show the end", 30);
        assertThat(onA.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(models.get(model.id()).versions()).hasSize(1);
        assertThat(db.sql("SELECT count(*) FROM job_events WHERE job_id = ?").param(onA.id()).query(Long.class).single())
                .isEqualTo(60);
        assertThat(db.sql("SELECT epoch FROM job_events WHERE job_id = ? ORDER BY epoch").param(onA.id())
                .query(Integer.class).list()).isEqualTo(oneToN(60));
    }

    @Test
    void theQueueIsBoundedByEveryLiveReplicasWorkersPlusTheQueueAndRefusesOnAnyReplica() throws Exception {
        ConfigurableApplicationContext a = replica("replica-a", "200ms", Map.of());
        ConfigurableApplicationContext b = replica("replica-b", "200ms", Map.of());
        Model model = a.getBean(ModelService.class).create("m", null, IrisJobs.definition(), 5, 1e-7);
        TrainingJobService jobsOnA = a.getBean(TrainingJobService.class);
        TrainingJobService jobsOnB = b.getBean(TrainingJobService.class);
        // two replicas of one worker each, and a queue of one: three jobs fit in the cluster
        List<TrainingJob> accepted = List.of(jobsOnA.submit(IrisJobs.spec(model.id(), 1000, 11)), jobsOnB.submit(IrisJobs.spec(model.id(), 1000, 11)),
                jobsOnA.submit(IrisJobs.spec(model.id(), 1000, 11)));
        assertThatThrownBy(() -> jobsOnB.submit(IrisJobs.spec(model.id(), 1000, 11))).isInstanceOf(QueueFullException.class);
        assertThatThrownBy(() -> jobsOnA.submit(IrisJobs.spec(model.id(), 1000, 11))).isInstanceOf(QueueFullException.class);
        JdbcClient db = a.getBean(JdbcClient.class);
        assertThat(db.sql("SELECT count(*) FROM jobs").query(Long.class).single()).isEqualTo(3);
        IrisJobs.await(() -> db.sql("SELECT count(DISTINCT owner) FROM jobs WHERE status = 'RUNNING'").query(Long.class).single() == 2,
                "both replicas to run a job", 30);
        for (TrainingJob job : accepted) {
            jobsOnB.cancel(job.id());
        }
        IrisJobs.await(() -> db.sql("SELECT count(*) FROM jobs WHERE status = 'CANCELLED'").query(Long.class).single() == 3,
                "every job to be cancelled", 30);
        jobsOnA.submit(IrisJobs.spec(model.id(), 1, 11));
    }
}
