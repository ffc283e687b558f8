package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.chainrule.testhttp.Reply;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Training jobs over HTTP on one worker with a queue of two: cancelling running and queued jobs, a full
 * queue refusing work with 429 and creating nothing, listing with filters and pages, deleting a model while a
 * job uses it, a diverging job that fails without taking its worker down, and following a running job.
 */
@ConstrainedService
class JobLifecycleApiTest extends ApiTestSupport {
    /** 2000 rows of y = 2x + 1 on [0, 2): with batchSize 1 and 1000 epochs, a job that runs for many minutes. */
    static final double[][] LONG_FEATURES = new double[2000][];
    static final double[] LONG_TARGETS = new double[2000];

    static {
        for (int i = 0; i < 2000; i++) {
            LONG_FEATURES[i] = new double[] {i / 1000.0};
            LONG_TARGETS[i] = 2 * (i / 1000.0) + 1;
        }
    }

    String regressionModel() {
        return createModel(1, "squared_error", 0, layer(8, "tanh"), layer(1, "linear")).get("id").asString();
    }

    java.util.Map<String, Object> longJob(String modelId) {
        return obj("modelId", modelId, "data", data(LONG_FEATURES, LONG_TARGETS), "epochs", MAX_EPOCHS, "batchSize", 1,
                "optimizer", obj("type", "sgd", "learningRate", 0.001));
    }

    java.util.Map<String, Object> shortJob(String modelId) {
        return obj("modelId", modelId, "data", data(new double[][] {{0}, {0.5}, {1}}, new double[] {1, 2, 3}),
                "epochs", 3, "batchSize", 3);
    }

    JsonNode cancel(String jobId) {
        var response = post("/jobs/" + jobId + "/cancel", "");
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        return response.json();
    }

    @Test
    void cancellingARunningJobStopsItSoonAndKeepsNoVersion() {
        String modelId = regressionModel();
        String jobId = train(longJob(modelId)).get("id").asString();
        JsonNode running = awaitRunning(jobId);
        assertThat(running.get("progress").asDouble()).isGreaterThan(0).isLessThan(0.01);
        assertThat(get("/models/" + modelId).json().get("trainingState").asString()).isEqualTo("TRAINING");

        long asked = System.nanoTime();
        assertThat(status(cancel(jobId))).isIn("RUNNING", "CANCELLED");
        JsonNode end = awaitEnd(jobId, Duration.ofSeconds(5));
        double seconds = (System.nanoTime() - asked) / 1e9;
        assertThat(status(end)).isEqualTo("CANCELLED");
        assertThat(seconds).as("seconds from cancel to CANCELLED").isLessThan(2);
        assertThat(end.has("version")).isFalse();
        assertThat(end.has("etaSeconds")).isFalse();
        assertThat(end.has("finishedAt")).isTrue();
        assertThat(end.get("progress").asDouble()).isLessThan(1);

        long batches = end.get("batchesDone").asLong();
        assertThat(batches).isPositive().isLessThan(end.get("batchesPlanned").asLong());
        pause(Duration.ofMillis(300));
        JsonNode later = job(jobId);
        assertThat(later.get("batchesDone").asLong()).as("batches after the end").isEqualTo(batches);
        assertThat(status(later)).isEqualTo("CANCELLED");

        JsonNode model = get("/models/" + modelId).json();
        assertThat(model.get("versions").size()).isZero();
        assertThat(model.has("latestVersion")).isFalse();
        assertThat(model.get("trainingState").asString()).isEqualTo("UNTRAINED");
        assertProblem(post("/models/" + modelId + "/predict", obj("instances", new double[][] {{1}})), 409, "model-not-trained");

        // cancelling a finished job changes nothing
        JsonNode again = cancel(jobId);
        assertThat(status(again)).isEqualTo("CANCELLED");
        assertThat(again.get("finishedAt")).isEqualTo(end.get("finishedAt"));
    }

    @Test
    void aQueuedJobCancelledIsCancelledAtOnceAndNeverRuns() {
        String modelId = regressionModel();
        String blocker = train(longJob(modelId)).get("id").asString();
        awaitRunning(blocker);
        JsonNode queued = train(shortJob(modelId));
        String queuedId = queued.get("id").asString();
        assertThat(status(queued)).isEqualTo("QUEUED");
        assertThat(status(job(queuedId))).isEqualTo("QUEUED");

        JsonNode cancelled = cancel(queuedId);
        assertThat(status(cancelled)).as("state right after asking").isEqualTo("CANCELLED");
        assertThat(cancelled.has("finishedAt")).isTrue();

        cancel(blocker);
        assertThat(status(awaitEnd(blocker, Duration.ofSeconds(5)))).isEqualTo("CANCELLED");
        // the worker is free again: a job submitted now runs, and the cancelled one still never did
        String next = train(shortJob(modelId)).get("id").asString();
        JsonNode nextEnd = awaitEnd(next, Duration.ofSeconds(20));
        assertThat(status(nextEnd)).isEqualTo("SUCCEEDED");
        assertThat(nextEnd.get("version").asInt()).isEqualTo(1);
        JsonNode never = job(queuedId);
        assertThat(status(never)).isEqualTo("CANCELLED");
        assertThat(never.has("startedAt")).isFalse();
        assertThat(never.get("batchesDone").asLong()).isZero();
        assertThat(never.get("history").size()).isZero();
    }

    @Test
    void aFullQueueRefusesWith429AndCreatesNothing() {
        String modelId = regressionModel();
        long jobsBefore = get("/jobs").json().get("totalItems").asLong();
        List<String> accepted = new ArrayList<>();
        accepted.add(train(longJob(modelId)).get("id").asString());
        awaitRunning(accepted.get(0)); // the worker holds it; the queue is empty

        Reply refused = null;
        for (int attempt = 0; attempt < 10 && refused == null; attempt++) {
            Reply response = post("/train", longJob(modelId));
            if (response.status() == 202) {
                assertThat(status(response.json())).isEqualTo("QUEUED");
                accepted.add(response.json().get("id").asString());
            } else {
                refused = response;
            }
        }
        assertThat(refused).as("a refusal within 10 submissions").isNotNull();
        assertThat(accepted).as("one running + a queue of two").hasSize(3);
        assertProblem(refused, 429, "queue-full");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow())).isPositive();

        // nothing half-created: exactly the accepted jobs exist
        JsonNode listed = get("/jobs?modelId=" + modelId).json();
        assertThat(ids(listed)).containsExactlyElementsOf(accepted);
        assertThat(get("/jobs").json().get("totalItems").asLong()).isEqualTo(jobsBefore + 3);
        assertThat(ids(get("/jobs?modelId=" + modelId + "&status=QUEUED").json())).containsExactlyElementsOf(accepted.subList(1, 3));

        for (String id : accepted) {
            cancel(id);
        }
        for (String id : accepted) {
            assertThat(status(awaitEnd(id, Duration.ofSeconds(5)))).isEqualTo("CANCELLED");
        }
        // room again: a new job is accepted and runs; the refused one left no count behind, so the model deletes
        JsonNode next = train(shortJob(modelId));
        assertThat(status(awaitEnd(next.get("id").asString(), Duration.ofSeconds(20)))).isEqualTo("SUCCEEDED");
        assertThat(delete("/models/" + modelId).status()).isEqualTo(204);
    }

    @Test
    void jobsAreListedByModelAndStatusInPages() {
        String first = regressionModel();
        String second = regressionModel();
        String cancelled = train(longJob(first)).get("id").asString();
        awaitRunning(cancelled);
        cancel(cancelled);
        assertThat(status(awaitEnd(cancelled, Duration.ofSeconds(5)))).isEqualTo("CANCELLED");
        String done1 = train(shortJob(first)).get("id").asString();
        // a job shows its end a moment before its worker is free; once done1 has left the queue, two more fit
        awaitJob(done1, j -> !status(j).equals("QUEUED"), Duration.ofSeconds(20), "taken by the worker");
        String done2 = train(shortJob(first)).get("id").asString();
        String other = train(shortJob(second)).get("id").asString();
        for (String id : List.of(done1, done2, other)) {
            assertThat(status(awaitEnd(id, Duration.ofSeconds(20)))).isEqualTo("SUCCEEDED");
        }

        JsonNode all = get("/jobs?modelId=" + first).json();
        assertThat(ids(all)).containsExactly(cancelled, done1, done2); // oldest first
        assertThat(all.get("totalItems").asLong()).isEqualTo(3);
        assertThat(all.get("totalPages").asInt()).isEqualTo(1);
        assertThat(all.get("page").asInt()).isZero();
        assertThat(all.get("size").asInt()).isEqualTo(20);
        assertThat(ids(get("/jobs?modelId=" + first + "&status=SUCCEEDED").json())).containsExactly(done1, done2);
        assertThat(ids(get("/jobs?modelId=" + first + "&status=cancelled").json())).containsExactly(cancelled);
        JsonNode none = get("/jobs?modelId=" + first + "&status=RUNNING").json();
        assertThat(ids(none)).isEmpty();
        assertThat(none.get("totalItems").asLong()).isZero();
        assertThat(none.get("totalPages").asInt()).isZero();
        assertThat(ids(get("/jobs?modelId=" + second).json())).containsExactly(other);
        for (JsonNode job : get("/jobs?status=SUCCEEDED&size=100").json().get("items")) {
            assertThat(status(job)).isEqualTo("SUCCEEDED");
        }

        JsonNode page0 = get("/jobs?modelId=" + first + "&size=2").json();
        assertThat(ids(page0)).containsExactly(cancelled, done1);
        assertThat(page0.get("totalItems").asLong()).isEqualTo(3);
        assertThat(page0.get("totalPages").asInt()).isEqualTo(2);
        JsonNode page1 = get("/jobs?modelId=" + first + "&size=2&page=1").json();
        assertThat(ids(page1)).containsExactly(done2);
        assertThat(page1.get("page").asInt()).isEqualTo(1);
        assertThat(ids(get("/jobs?modelId=" + first + "&size=2&page=2").json())).isEmpty();

        // page sizes at the edges are accepted, one beyond them refused, naming the parameter
        assertThat(ids(get("/jobs?modelId=" + first + "&size=1").json())).containsExactly(cancelled);
        assertThat(get("/jobs?size=100").status()).isEqualTo(200);
        assertThat(get("/jobs?page=0").status()).isEqualTo(200);
        assertProblem(get("/jobs?size=0"), 400, "invalid-request", "size");
        assertProblem(get("/jobs?size=101"), 400, "invalid-request", "size");
        assertProblem(get("/jobs?page=-1"), 400, "invalid-request", "page");
        assertProblem(get("/jobs?status=SLEEPING"), 400, "invalid-request", "status");
        assertProblem(get("/jobs?size=ten"), 400, "invalid-request", "size");
        assertProblem(get("/models?size=101"), 400, "invalid-request", "size");
        assertProblem(get("/models?page=-1"), 400, "invalid-request", "page");
    }

    @Test
    void aModelInUseIsNotDeletedUntilItsJobEnds() {
        String modelId = regressionModel();
        String other = regressionModel();
        String running = train(longJob(modelId)).get("id").asString();
        awaitRunning(running);
        JsonNode problem = assertProblem(delete("/models/" + modelId), 409, "model-in-use");
        assertThat(problem.get("detail").asString()).contains(modelId);
        // a queued job holds its model too
        String queued = train(shortJob(other)).get("id").asString();
        assertThat(status(job(queued))).isEqualTo("QUEUED");
        assertProblem(delete("/models/" + other), 409, "model-in-use");
        assertThat(get("/models/" + modelId).status()).isEqualTo(200);

        cancel(queued);
        assertThat(delete("/models/" + other).status()).isEqualTo(204);
        cancel(running);
        assertThat(status(awaitEnd(running, Duration.ofSeconds(5)))).isEqualTo("CANCELLED");
        // the moment the job is seen ended, the model can go
        assertThat(delete("/models/" + modelId).status()).isEqualTo(204);
        assertProblem(get("/models/" + modelId), 404, "not-found");
        assertProblem(delete("/models/" + modelId), 404, "not-found");
        assertProblem(post("/train", shortJob(modelId)), 404, "not-found");
    }

    @Test
    void aDivergingJobFailsNamingTheLossAndTheWorkerLivesOn() {
        // unstandardised inputs up to 99 and targets up to ~100000: plain SGD at learning rate 10 explodes
        double[][] x = new double[100][];
        double[] y = new double[100];
        for (int i = 0; i < 100; i++) {
            x[i] = new double[] {i};
            y[i] = 1000.0 * i + 5000;
        }
        String modelId = createModel(1, "squared_error", 0, layer(1, "linear")).get("id").asString();
        String jobId = train(obj("modelId", modelId, "data", data(x, y), "epochs", 50, "batchSize", 10, "standardize", false,
                "optimizer", obj("type", "sgd", "learningRate", 10))).get("id").asString();
        JsonNode end = awaitEnd(jobId, Duration.ofSeconds(20));
        assertThat(status(end)).isEqualTo("FAILED");
        assertThat(end.get("failureReason").asString()).contains("loss").contains("diverged");
        assertThat(end.has("version")).isFalse();
        assertThat(get("/models/" + modelId).json().get("versions").size()).isZero();

        // the single worker is still there: the next job runs and succeeds
        String healthy = regressionModel();
        JsonNode next = awaitEnd(train(shortJob(healthy)).get("id").asString(), Duration.ofSeconds(20));
        assertThat(status(next)).isEqualTo("SUCCEEDED");
        assertThat(next.get("version").asInt()).isEqualTo(1);
    }

    /** One Server-Sent Event. */
    record SseEvent(String name, String id, String data) {
        JsonNode json() {
            return JSON.readTree(data);
        }
    }

    @Test
    void aFollowerJoiningARunningJobGetsTheEpochsSoFarThenTheLiveOnesThenOneEnd() {
        String modelId = regressionModel();
        String jobId = train(longJob(modelId)).get("id").asString();
        int before = awaitJob(jobId, j -> j.get("history").size() >= 2, Duration.ofSeconds(60), "two epochs done")
                .get("history").size();

        // a hang guard, not a timing assertion: the stream must end once the job does
        List<SseEvent> events = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            HttpResponse<Stream<String>> response = http().exchange(HttpRequest.newBuilder(uri("/jobs/" + jobId + "/events"))
                    .header("Accept", "text/event-stream").GET(), HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            List<SseEvent> received = new ArrayList<>();
            int followedAt = -1; // epochs done once the first event arrived: the subscription is in place by then
            try (Stream<String> lines = response.body()) {
                Iterator<String> line = lines.iterator();
                String[] fields = new String[3];
                while (line.hasNext()) {
                    String text = line.next();
                    if (!text.isEmpty()) {
                        int colon = text.indexOf(':');
                        int field = List.of("event", "id", "data").indexOf(colon < 0 ? text : text.substring(0, colon));
                        if (field >= 0) {
                            fields[field] = text.substring(colon + 1).replaceFirst("^ ", "");
                        }
                        continue;
                    }
                    if (fields[2] == null) {
                        continue;
                    }
                    SseEvent event = new SseEvent(fields[0], fields[1], fields[2]);
                    java.util.Arrays.fill(fields, null);
                    received.add(event);
                    if (followedAt < 0) {
                        followedAt = job(jobId).get("history").size();
                    } else if (event.name().equals("epoch") && event.json().get("epoch").asInt() == followedAt + 1) {
                        cancel(jobId); // an epoch that ended after the subscription came live: enough
                    }
                }
            }
            return received;
        });

        SseEvent end = events.get(events.size() - 1);
        assertThat(end.name()).isEqualTo("end");
        assertThat(end.id()).isEqualTo(jobId + "/end");
        assertThat(status(end.json())).isEqualTo("CANCELLED");
        List<SseEvent> epochs = events.subList(0, events.size() - 1);
        assertThat(epochs).extracting(SseEvent::name).containsOnly("epoch");
        int k = epochs.size();
        assertThat(k).as("epochs done before following, then at least one more").isGreaterThan(before);
        JsonNode history = end.json().get("history");
        assertThat(history.size()).isEqualTo(k);
        for (int e = 0; e < k; e++) {
            JsonNode epoch = epochs.get(e).json();
            assertThat(epoch.get("epoch").asInt()).as("epoch %d of %d, in order, none twice", e + 1, k).isEqualTo(e + 1);
            assertThat(epochs.get(e).id()).isEqualTo(jobId + "/" + (e + 1));
            assertThat(epoch.get("trainingLoss").asDouble()).isEqualTo(history.get(e).get("trainingLoss").asDouble());
        }
    }

    static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        for (JsonNode item : page.get("items")) {
            ids.add(item.get("id").asString());
        }
        return ids;
    }
}
