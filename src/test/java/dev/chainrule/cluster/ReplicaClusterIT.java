package dev.chainrule.cluster;

import static dev.chainrule.cluster.DigitsWorkload.await;
import static dev.chainrule.cluster.DigitsWorkload.epochs;
import static dev.chainrule.cluster.DigitsWorkload.oneTo;
import static dev.chainrule.cluster.DigitsWorkload.owner;
import static dev.chainrule.cluster.DigitsWorkload.predictions;
import static dev.chainrule.cluster.DigitsWorkload.runningWithEpochs;
import static dev.chainrule.cluster.DigitsWorkload.succeeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chainrule.storage.PostgresDatabase;
import dev.chainrule.testhttp.EventStream;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.ServerSentEvent;
import dev.chainrule.testhttp.TestHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * Issue 13's cluster, on loopback: three replicas of the packaged jar with one worker each, one PostgreSQL schema,
 * one S3-compatible store, HAProxy round robin in front (see {@link TestCluster}). Every request goes over real
 * HTTP, through the balancer unless a scenario needs one replica in particular. Each scenario leaves every replica
 * running and no job active for the next.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaClusterIT {
    private static final int EPOCHS = 40;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);
    private TestCluster cluster;
    private TestHttp http;
    private String datasetId;
    private JsonNode reference;

    @BeforeAll
    void start() {
        assumeTrue(Balancer.binary().isPresent(), "haproxy is not installed (Debian: apt-get install haproxy; .ci/run installs it)");
        assumeTrue(System.getenv(PostgresDatabase.URL) != null, PostgresDatabase.URL + " is not set (.ci/postgres.sh prints it)");
        cluster = new TestCluster(); // assigned first: @AfterAll closes whatever part of it started
        cluster.start(3);
        http = cluster.viaBalancer();
        datasetId = DigitsWorkload.upload(http).path("id").asString();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void leaveTheClusterWhole() {
        cluster.restoreReplicas();
        for (String status : List.of("QUEUED", "RUNNING")) {
            for (JsonNode job : http.get("/jobs?size=100&status=" + status).expect(200, "GET /jobs").path("items")) {
                String id = job.path("id").asString();
                http.post("/jobs/" + id + "/cancel", null);
                await(http, id, DigitsWorkload::finished, JOB_TIMEOUT, "finished after the scenario");
            }
        }
    }

    /** The predictions of the digits model after {@value #EPOCHS} uninterrupted epochs, trained once. */
    private JsonNode reference() {
        if (reference == null) {
            String modelId = DigitsWorkload.createModel(http, "uninterrupted");
            String jobId = DigitsWorkload.train(http, modelId, datasetId, EPOCHS);
            JsonNode job = await(http, jobId, DigitsWorkload::succeeded, JOB_TIMEOUT, "SUCCEEDED");
            assertThat(epochs(job)).isEqualTo(oneTo(EPOCHS));
            reference = predictions(http, modelId);
        }
        return reference;
    }

    private int versions(TestHttp on, String modelId) {
        return on.get("/models/" + modelId).expect(200, "GET /models/" + modelId).path("versions").size();
    }

    @Test
    @Order(1)
    void aJobWhoseOwnerIsKilledResumesOnAnotherReplicaAndEndsWithTheUninterruptedWeights() throws IOException {
        JsonNode expected = reference();
        String modelId = DigitsWorkload.createModel(http, "killed owner");
        String jobId = DigitsWorkload.train(http, modelId, datasetId, EPOCHS);
        JsonNode seen = await(http, jobId, runningWithEpochs(4), JOB_TIMEOUT, "running with four epochs done");
        String owner = owner(seen);
        int epochsAtKill = seen.path("history").size();

        cluster.replica(owner).kill9();
        long killed = System.nanoTime();
        JsonNode resumed = await(http, jobId, j -> !owner(j).isEmpty() && !owner(j).equals(owner) && j.path("history").size() > epochsAtKill,
                JOB_TIMEOUT, "running elsewhere with an epoch past the kill");
        long toNextEpoch = System.nanoTime() - killed;
        String report = String.format(Locale.ROOT, "SIGKILL of %s to epoch %d finished on %s: %d ms (lease %s, renewal %s, claim interval %s,"
                        + " one row per minibatch on 8x8 digits)%n", owner, epochsAtKill + 1, owner(resumed), toNextEpoch / 1_000_000,
                TestCluster.LEASE, TestCluster.RENEWAL, TestCluster.CLAIM_INTERVAL);
        System.out.print(report);
        Files.writeString(Path.of("target", "cluster-failover.txt"), report);

        JsonNode done = await(http, jobId, DigitsWorkload::succeeded, JOB_TIMEOUT, "SUCCEEDED");
        assertThat(epochs(done)).as("every epoch once, in order").isEqualTo(oneTo(EPOCHS));
        // epochs whose checkpoint was surely written before the kill were not run again: their reports are the ones seen
        for (int e = 0; e < epochsAtKill - 1; e++) {
            assertThat(done.path("history").get(e)).as("epoch " + (e + 1)).isEqualTo(seen.path("history").get(e));
        }
        assertThat(versions(http, modelId)).isEqualTo(1);
        assertThat(predictions(http, modelId)).as("predictions after the takeover").isEqualTo(expected);
    }

    @Test
    @Order(2)
    void anOwnerFrozenPastItsLeaseWritesNothingWhenItWakesAndOneVersionExists() {
        JsonNode expected = reference();
        String modelId = DigitsWorkload.createModel(http, "frozen owner");
        String jobId = DigitsWorkload.train(http, modelId, datasetId, EPOCHS);
        String owner = owner(await(http, jobId, runningWithEpochs(3), JOB_TIMEOUT, "running with three epochs done"));
        ReplicaProcess frozen = cluster.replica(owner);

        frozen.freeze();
        try {
            JsonNode takenOver = await(http, jobId, j -> !owner(j).isEmpty() && !owner(j).equals(owner), JOB_TIMEOUT, "taken over");
            await(http, jobId, j -> j.path("history").size() >= takenOver.path("history").size() + 2
                    || DigitsWorkload.finished(j), JOB_TIMEOUT, "two epochs further on the new owner");
        } finally {
            frozen.thaw();
        }
        JsonNode done = await(http, jobId, DigitsWorkload::succeeded, JOB_TIMEOUT, "SUCCEEDED");
        // long enough for the woken replica to have written whatever it still meant to
        ReplicaProcess.sleep(TestCluster.LEASE.plusSeconds(2));
        for (ReplicaProcess replica : cluster.replicas()) {
            TestHttp direct = TestHttp.at(replica.base());
            assertThat(direct.get("/jobs/" + jobId).expect(200, "GET /jobs on " + replica)).as("the job on " + replica).isEqualTo(done);
            assertThat(versions(direct, modelId)).as("versions on " + replica).isEqualTo(1);
        }
        assertThat(epochs(done)).as("every epoch once, in order").isEqualTo(oneTo(EPOCHS));
        assertThat(predictions(cluster.direct(owner), modelId)).as("the woken replica serves the new owner's weights").isEqualTo(expected);
    }

    @Test
    @Order(3)
    void twentyConcurrentSubmissionsGetExactlyTheClustersCapacityAndNothingHalfCreated() throws Exception {
        int capacity = cluster.replicas().size() * TestCluster.WORKERS + TestCluster.QUEUE_CAPACITY;
        List<String> models = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            models.add(DigitsWorkload.createModel(http, "concurrent " + i));
        }
        long jobsBefore = http.get("/jobs?size=1").expect(200, "GET /jobs").path("totalItems").asLong();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<Reply>> replies = new ArrayList<>();
        try {
            for (String modelId : models) {
                replies.add(pool.submit(() -> {
                    go.await();
                    return http.post("/train", DigitsWorkload.training(modelId, datasetId, 500));
                }));
            }
            go.countDown();
            List<String> accepted = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            Set<String> servedBy = new HashSet<>();
            for (int i = 0; i < models.size(); i++) {
                Reply reply = replies.get(i).get();
                servedBy.add(reply.header(Balancer.SERVED_BY));
                assertThat(reply.status()).as("POST /train %d: %s", i, reply).isIn(202, 429);
                if (reply.status() == 202) {
                    accepted.add(models.get(i));
                } else {
                    assertThat(reply.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
                    refused.add(models.get(i));
                }
            }
            assertThat(servedBy).as("the submissions were spread over the replicas").containsExactlyInAnyOrder("r1", "r2", "r3");
            assertThat(accepted).as("accepted: the cluster's capacity, " + capacity).hasSize(capacity);
            assertThat(http.get("/jobs?size=1").expect(200, "GET /jobs").path("totalItems").asLong()).isEqualTo(jobsBefore + capacity);
            for (String modelId : refused) {
                assertThat(http.get("/jobs?modelId=" + modelId).expect(200, "GET /jobs").path("totalItems").asLong())
                        .as("jobs of refused model " + modelId).isZero();
                assertThat(http.get("/models/" + modelId).expect(200, "GET /models").path("trainingState").asString()).isEqualTo("UNTRAINED");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(4)
    void aCancelThroughTheBalancerStopsTheJobRunningOnAnotherReplica() {
        String modelId = DigitsWorkload.createModel(http, "cancelled");
        String jobId = DigitsWorkload.train(http, modelId, datasetId, 500);
        String owner = owner(await(http, jobId, runningWithEpochs(1), JOB_TIMEOUT, "running"));
        String other = cluster.others(owner).get(0).name();

        Reply cancel = http.withHeader(Balancer.ROUTE, other).post("/jobs/" + jobId + "/cancel", null);
        assertThat(cancel.status()).as(cancel.toString()).isEqualTo(202);
        assertThat(cancel.header(Balancer.SERVED_BY)).isEqualTo(other);
        JsonNode cancelled = await(http, jobId, j -> DigitsWorkload.status(j).equals("CANCELLED"), Duration.ofSeconds(10),
                "CANCELLED within a few seconds of the cancel on " + other);
        ReplicaProcess.sleep(TestCluster.RENEWAL.multipliedBy(3));
        assertThat(epochs(cluster.direct(owner).get("/jobs/" + jobId).expect(200, "GET /jobs on the owner")))
                .as("no epoch after the cancel").isEqualTo(epochs(cancelled));
        assertThat(versions(http, modelId)).isZero();
    }

    @Test
    @Order(5)
    void anEventStreamThroughTheBalancerSeesEveryEpochOnceInOrderAcrossTheOwnersDeath() {
        int epochCount = 30;
        String modelId = DigitsWorkload.createModel(http, "followed");
        String jobId = DigitsWorkload.train(http, modelId, datasetId, epochCount);
        String owner = owner(await(http, jobId, runningWithEpochs(1), JOB_TIMEOUT, "running"));
        String follower = cluster.others(owner).get(0).name();

        List<ServerSentEvent> events = new ArrayList<>();
        try (EventStream stream = http.withHeader(Balancer.ROUTE, follower).events("/jobs/" + jobId + "/events", null)) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header(Balancer.SERVED_BY)).isEqualTo(follower);
            boolean killed = false;
            for (ServerSentEvent event = stream.next(JOB_TIMEOUT); event != null; event = stream.next(JOB_TIMEOUT)) {
                events.add(event);
                if (!killed && event.event().equals("epoch") && event.json().path("epoch").asInt() >= 3) {
                    cluster.replica(owner).kill9();
                    killed = true;
                }
            }
            assertThat(killed).as("the owner was killed while the stream ran").isTrue();
            assertThat(stream.closed()).as("the stream ended (closed by the server)").isTrue();
        }
        List<String> expectedIds = new ArrayList<>();
        oneTo(epochCount).forEach(e -> expectedIds.add(jobId + "/" + e));
        expectedIds.add(jobId + "/end");
        assertThat(events).extracting(ServerSentEvent::id).as("every epoch once, in order, then end").isEqualTo(expectedIds);
        assertThat(events.get(events.size() - 1).event()).isEqualTo("end");
        assertThat(events.get(events.size() - 1).json().path("status").asString()).isEqualTo("SUCCEEDED");

        // Last-Event-ID: a reconnecting client gets only what came after the event it names
        List<String> resumedIds = new ArrayList<>();
        try (EventStream stream = http.events("/jobs/" + jobId + "/events", jobId + "/20")) {
            for (ServerSentEvent event = stream.next(JOB_TIMEOUT); event != null; event = stream.next(JOB_TIMEOUT)) {
                resumedIds.add(event.id());
            }
        }
        assertThat(resumedIds).isEqualTo(expectedIds.subList(20, expectedIds.size()));
    }

    @Test
    @Order(6)
    void everyReplicaAndANewcomerOnAnEmptyDiskPredictAVersionIdentically() {
        String modelId = DigitsWorkload.createModel(http, "served everywhere");
        String jobId = DigitsWorkload.train(http, modelId, datasetId, 3);
        await(http, jobId, DigitsWorkload::succeeded, JOB_TIMEOUT, "SUCCEEDED");
        JsonNode first = predictions(cluster.direct("r1"), modelId);
        assertThat(predictions(cluster.direct("r2"), modelId)).isEqualTo(first);
        assertThat(predictions(cluster.direct("r3"), modelId)).isEqualTo(first);
        try (ReplicaProcess newcomer = cluster.newReplica("r4")) {
            assertThat(newcomer.dataDir()).as("the newcomer's data directory, before it starts").doesNotExist();
            newcomer.start();
            assertThat(predictions(TestHttp.at(newcomer.base()), modelId)).as("predictions of a replica started afterwards").isEqualTo(first);
        }
    }

    @Test
    @Order(7)
    void aDatasetUploadedThroughOneReplicaTrainsOnAnother() {
        JsonNode uploaded = DigitsWorkload.upload(cluster.direct("r1"));
        String uploadedId = uploaded.path("id").asString();
        // r1 leaves: whoever trains on the dataset reads it from the shared store, not from r1's disk
        cluster.replica("r1").stop();
        TestHttp r2 = cluster.direct("r2");
        assertThat(r2.get("/datasets/" + uploadedId).expect(200, "GET /datasets on r2")).isEqualTo(uploaded);
        String modelId = DigitsWorkload.createModel(r2, "trained elsewhere");
        String jobId = DigitsWorkload.train(r2, modelId, uploadedId, 2);
        JsonNode done = await(cluster.direct("r3"), jobId, DigitsWorkload::succeeded, JOB_TIMEOUT, "SUCCEEDED");
        assertThat(cluster.replica("r1").isAlive()).as("r1 stayed away while the job ran").isFalse();
        assertThat(epochs(done)).isEqualTo(oneTo(2));
        assertThat(versions(cluster.direct("r3"), modelId)).isEqualTo(1);
    }
}
