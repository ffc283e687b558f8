package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Hyperparameter sweeps over real HTTP on iris (datasets/iris): four workers, of which sweeps may hold half. A grid's
 * best trial checked against its trials' own job records, a seeded random search repeated, the share held while
 * another user's job runs, cancel and delete mid-sweep, early stopping, and requests refused with every field named.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.jobs.workers=4",
        "chainrule.jobs.queue-capacity=2",
        "chainrule.sweeps.max-worker-share=0.5",
        "chainrule.sweeps.max-trials=12",
        "chainrule.sweeps.reconcile-interval=200ms",
        "chainrule.cluster.event-poll-interval=100ms",
})
class SweepApiTest extends ApiTestSupport {
    static final int SHARE = 2; // half of four workers
    static final Duration SWEEP_TIMEOUT = Duration.ofMinutes(6);

    private static String irisId;

    String iris() {
        if (irisId == null) {
            try {
                Reply created = send(HttpRequest.newBuilder(uri("/datasets?name=iris")).header("Content-Type", "text/csv")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(TestDatasets.file("iris/iris.csv")))));
                assertThat(created.status()).as(created.body()).isEqualTo(201);
                irisId = created.json().get("id").asString();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return irisId;
    }

    /** Iris, 4-h-3 tanh/softmax; 20% held out for validation; the trials' settings from {@code space}. */
    Map<String, Object> sweep(String name, Map<String, Object> space, Map<String, Object> strategy, int epochs) {
        return obj("name", name,
                "model", obj("inputWidth", 4, "layers", List.of(layer(8, "tanh"), layer(3, "softmax")),
                        "loss", "cross_entropy", "seed", 3),
                "training", obj("datasetId", iris(), "validationSplit", 0.2, "epochs", epochs, "batchSize", 8,
                        "shuffleSeed", 11, "optimizer", obj("type", "adam", "learningRate", 0.01)),
                "space", space, "strategy", strategy);
    }

    JsonNode create(Map<String, Object> request) {
        Reply response = post("/sweeps", request);
        assertThat(response.status()).as("POST /sweeps %s", response.body()).isEqualTo(201);
        assertThat(response.headers().firstValue("Location")).contains(uri("/sweeps/" + response.json().get("id").asString()).toString());
        return response.json();
    }

    JsonNode sweep(String id) {
        Reply response = get("/sweeps/" + id);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    /** Polls the sweep until the condition holds, checking {@code each} on every state seen. */
    JsonNode awaitSweep(String id, Predicate<JsonNode> condition, java.util.function.Consumer<JsonNode> each, String what) {
        long deadline = System.nanoTime() + SWEEP_TIMEOUT.toNanos();
        JsonNode last;
        do {
            last = sweep(id);
            each.accept(last);
            if (condition.test(last)) {
                return last;
            }
            pause(Duration.ofMillis(50));
        } while (System.nanoTime() < deadline);
        return fail("sweep %s: not %s within %s; last seen %s", id, what, SWEEP_TIMEOUT, last);
    }

    static long active(JsonNode sweep) {
        long n = 0;
        for (JsonNode trial : sweep.get("trials")) {
            if (List.of("QUEUED", "RUNNING").contains(trial.get("status").asString())) {
                n++;
            }
        }
        return n;
    }

    /** A trial shows SUCCEEDED only once the sweep has recorded its end and metric, not as soon as its job ends. */
    static void assertSucceededTrialsAreRecorded(JsonNode sweep) {
        for (JsonNode trial : sweep.get("trials")) {
            if (trial.get("status").asString().equals("SUCCEEDED")) {
                assertThat(trial.hasNonNull("finishedAt") && trial.hasNonNull("metric")).as("%s", trial).isTrue();
            }
        }
    }

    static boolean ended(JsonNode sweep) {
        return sweep.hasNonNull("finishedAt");
    }

    @AfterEach
    void cancelLeftoverSweeps() {
        for (JsonNode sweep : get("/sweeps?size=100").json().get("items")) {
            if (!ended(sweep)) {
                post("/sweeps/" + sweep.get("id").asString() + "/cancel", "");
            }
        }
    }

    @Test
    void aGridOverIrisPicksTheTrialWithTheLowestValidationLossOfItsOwnJobRecord() throws Exception {
        JsonNode created = create(sweep("widths x rates", obj("units", List.of(4, 16), "learningRate", List.of(0.003, 0.03)),
                null, 15));
        String id = created.get("id").asString();
        assertThat(created.get("state").asString()).isEqualTo("RUNNING");
        assertThat(created.get("progress").get("planned").asInt()).isEqualTo(4);
        List<String> parameters = new ArrayList<>();
        for (JsonNode trial : created.get("trials")) {
            parameters.add(trial.get("parameters").toString());
        }
        assertThat(parameters).containsExactly("{\"units\":4,\"learningRate\":0.003}", "{\"units\":4,\"learningRate\":0.03}",
                "{\"units\":16,\"learningRate\":0.003}", "{\"units\":16,\"learningRate\":0.03}");

        long[] mostActive = {0};
        JsonNode done = awaitSweep(id, SweepApiTest::ended, s -> {
            mostActive[0] = Math.max(mostActive[0], active(s));
            assertSucceededTrialsAreRecorded(s);
        }, "ended");
        assertThat(mostActive[0]).as("trials queued or running at once").isLessThanOrEqualTo(SHARE);
        assertThat(done.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(done.get("progress").get("done").asInt()).isEqualTo(4);
        assertThat(done.get("progress").get("succeeded").asInt()).isEqualTo(4);

        // each trial's metric is its own job's validation loss, read from the job's record
        double lowest = Double.POSITIVE_INFINITY;
        int expectedBest = -1;
        for (JsonNode trial : done.get("trials")) {
            JsonNode job = job(trial.get("jobId").asString());
            assertThat(status(job)).isEqualTo("SUCCEEDED");
            assertThat(job.get("modelId").asString()).isEqualTo(trial.get("modelId").asString());
            assertThat(job.get("sweepId").asString()).isEqualTo(id);
            assertThat(get("/models/" + trial.get("modelId").asString()).json().get("sweepId").asString()).isEqualTo(id);
            JsonNode history = job.get("history");
            assertThat(history.size()).isEqualTo(15);
            double validationLoss = history.get(history.size() - 1).get("validationLoss").asDouble();
            assertThat(trial.get("metric").asDouble()).isEqualTo(validationLoss);
            assertThat(trial.get("version").asInt()).isEqualTo(job.get("version").asInt());
            if (validationLoss < lowest) {
                lowest = validationLoss;
                expectedBest = trial.get("trial").asInt();
            }
        }
        assertThat(done.get("best").get("trial").asInt()).isEqualTo(expectedBest);
        assertThat(done.get("best").get("metric").asDouble()).isEqualTo(lowest);

        // the sweep predicts with its best trial's version, as that model answers for that version
        List<double[]> rows = List.of(new double[] {5.1, 3.5, 1.4, 0.2}, new double[] {6.7, 3.0, 5.2, 2.3});
        Reply viaSweep = post("/sweeps/" + id + "/predict", obj("instances", rows));
        assertThat(viaSweep.status()).as(viaSweep.body()).isEqualTo(200);
        JsonNode best = done.get("best");
        Reply viaModel = post("/models/" + best.get("modelId").asString() + "/predict",
                obj("instances", rows, "version", best.get("version").asInt()));
        assertThat(viaSweep.json()).isEqualTo(viaModel.json());
        assertProblem(post("/sweeps/" + id + "/predict", obj("instances", rows, "version", 1)), 400, "invalid-request", "version");

        // the events replay every finished trial in order, then the end
        List<String[]> events = events(id, null);
        assertThat(events).hasSize(5);
        Set<Integer> streamed = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            assertThat(events.get(i)[0]).isEqualTo("trial");
            assertThat(events.get(i)[1]).isEqualTo(id + "/" + (i + 1));
            streamed.add(JSON.readTree(events.get(i)[2]).get("trial").asInt());
        }
        assertThat(streamed).containsExactlyInAnyOrder(1, 2, 3, 4);
        assertThat(events.get(4)[0]).isEqualTo("end");
        assertThat(JSON.readTree(events.get(4)[2]).get("best").get("trial").asInt()).isEqualTo(expectedBest);
        assertThat(events(id, id + "/3")).extracting(e -> e[1]).containsExactly(id + "/4", id + "/end");

        // deleting the sweep deletes its trials' models
        assertThat(delete("/sweeps/" + id).status()).isEqualTo(204);
        assertProblem(get("/sweeps/" + id), 404, "not-found");
        assertThat(get("/models/" + best.get("modelId").asString()).status()).isEqualTo(404);
        assertProblem(post("/sweeps/" + id + "/predict", obj("instances", rows)), 404, "not-found");
    }

    /** The SSE stream until it closes: each event's name, id and data. */
    List<String[]> events(String id, String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/sweeps/" + id + "/events")).timeout(Duration.ofMinutes(2));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = http().exchange(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        List<String[]> events = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String name = null;
            String eventId = null;
            StringBuilder data = new StringBuilder();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("event:")) {
                    name = line.substring(6);
                } else if (line.startsWith("id:")) {
                    eventId = line.substring(3);
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5));
                } else if (line.isEmpty() && name != null) {
                    events.add(new String[] {name, eventId, data.toString()});
                    name = null;
                    data.setLength(0);
                }
            }
        }
        return events;
    }

    @Test
    void aSeededRandomSearchGivesTheSameTrialsAndTheSameBestTwice() {
        Map<String, Object> space = obj("units", List.of(4, 8, 16), "learningRate", List.of(0.001, 0.01, 0.1),
                "activation", List.of("tanh", "relu"));
        List<JsonNode> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            String id = create(sweep("random " + run, space, obj("type", "random", "trials", 3, "seed", 7), 4)).get("id").asString();
            runs.add(awaitSweep(id, SweepApiTest::ended, s -> { }, "ended"));
        }
        JsonNode first = runs.get(0);
        JsonNode second = runs.get(1);
        assertThat(first.get("trials").size()).isEqualTo(3);
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            JsonNode a = first.get("trials").get(i);
            JsonNode b = second.get("trials").get(i);
            assertThat(a.get("parameters")).isEqualTo(b.get("parameters"));
            assertThat(a.get("metric").asDouble()).isEqualTo(b.get("metric").asDouble());
            assertThat(distinct.add(a.get("parameters").toString())).isTrue();
        }
        assertThat(first.get("best").get("trial").asInt()).isEqualTo(second.get("best").get("trial").asInt());
        assertThat(first.get("search").get("strategy").get("seed").asLong()).isEqualTo(7);
        JsonNode other = create(sweep("other seed", space, obj("type", "random", "trials", 3, "seed", 8), 4));
        List<String> otherTrials = new ArrayList<>();
        other.get("trials").forEach(t -> otherTrials.add(t.get("parameters").toString()));
        assertThat(otherTrials).isNotEqualTo(new ArrayList<>(distinct));
    }

    @Test
    void theShareHoldsWhileAnotherUsersJobRunsAndACancelStopsTheRest() {
        String userModel = createModel(1, "squared_error", 0, layer(8, "tanh"), layer(1, "linear")).get("id").asString();
        String userJob = train(obj("modelId", userModel, "data", data(JobLifecycleApiTest.LONG_FEATURES, JobLifecycleApiTest.LONG_TARGETS),
                "epochs", 1000, "batchSize", 1, "optimizer", obj("type", "sgd", "learningRate", 0.001))).get("id").asString();
        awaitRunning(userJob);

        // six long trials: two at a time at most, whatever else runs
        String id = create(sweep("long", obj("units", List.of(4, 8, 16), "l2", List.of(0.0, 0.001)), null, 1000)).get("id").asString();
        long[] mostActive = {0};
        JsonNode both = awaitSweep(id, s -> active(s) == SHARE && runningTrials(s) == SHARE, s -> {
            mostActive[0] = Math.max(mostActive[0], active(s));
            assertThat(status(job(userJob))).isEqualTo("RUNNING");
        }, "two trials running");
        for (int i = 0; i < 20; i++) { // more polls while they run: still two
            JsonNode s = sweep(id);
            mostActive[0] = Math.max(mostActive[0], active(s));
        }
        assertThat(mostActive[0]).isEqualTo(SHARE);
        assertThat(get("/jobs?status=RUNNING").json().get("totalItems").asInt()).isEqualTo(SHARE + 1);
        assertProblem(delete("/sweeps/" + id), 409, "sweep-active");
        assertProblem(post("/sweeps/" + id + "/predict", obj("instances", List.of(new double[] {1, 2, 3, 4}))), 409,
                "sweep-not-trained");

        Reply cancelled = post("/sweeps/" + id + "/cancel", "");
        assertThat(cancelled.status()).isEqualTo(202);
        assertThat(cancelled.json().get("state").asString()).isEqualTo("CANCELLED");
        JsonNode end = awaitSweep(id, SweepApiTest::ended, s -> { }, "ended after the cancel");
        int admitted = 0;
        for (JsonNode trial : end.get("trials")) {
            if (trial.hasNonNull("jobId")) {
                admitted++;
                assertThat(status(job(trial.get("jobId").asString()))).isEqualTo("CANCELLED");
            }
            assertThat(trial.get("status").asString()).isEqualTo("CANCELLED");
        }
        assertThat(admitted).as("trials admitted before the cancel").isEqualTo(SHARE);
        assertThat(end.get("progress").get("cancelled").asInt()).isEqualTo(6);
        assertThat(status(job(userJob))).isEqualTo("RUNNING");
        assertThat(delete("/sweeps/" + id).status()).isEqualTo(204);
    }

    static long runningTrials(JsonNode sweep) {
        long n = 0;
        for (JsonNode trial : sweep.get("trials")) {
            if (trial.get("status").asString().equals("RUNNING")) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aSweepWhoseTrialsStopImprovingStopsEarlyAndSkipsTheRest() {
        // the first trial learns; the others barely move from their start, so none improves on it
        Map<String, Object> request = sweep("early", obj("learningRate", List.of(0.05, 1e-6, 2e-6, 3e-6, 4e-6, 5e-6)), null, 10);
        request.put("earlyStopping", obj("patience", 2));
        String id = create(request).get("id").asString();
        JsonNode end = awaitSweep(id, SweepApiTest::ended, s -> { }, "ended");
        assertThat(end.get("state").asString()).isEqualTo("EARLY_STOPPED");
        assertThat(end.get("stopReason").asString()).contains("2");
        assertThat(end.get("progress").get("skipped").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(end.get("best").get("trial").asInt()).isEqualTo(1);
    }

    @Test
    void aBadSweepIsRefusedWithEveryFieldNamedAndNothingCreated() {
        long sweepsBefore = get("/sweeps").json().get("totalItems").asLong();
        long modelsBefore = get("/models").json().get("totalItems").asLong();
        Map<String, Object> bad = obj("model", obj("inputWidth", 4, "layers", List.of(layer(0, "tanh"), layer(3, "softmax")),
                        "loss", "cross_entropy"),
                "training", obj("datasetId", "no-such-dataset", "modelId", "x"),
                "space", obj("units", List.of(), "learningRate", List.of(0.1, 0.1)),
                "strategy", obj("type", "bayes"), "metric", "auc", "direction", "up", "earlyStopping", obj("patience", 0));
        JsonNode problem = assertProblem(post("/sweeps", bad), 400, "invalid-request", "model.layers[0].units",
                "training.modelId", "training.validationSplit", "space.units", "space.learningRate", "metric",
                "direction", "earlyStopping.patience");
        assertThat(reason(problem, "space.learningRate")).contains("twice");

        // over chainrule.sweeps.max-trials: a grid of 13, a random budget of 13
        Map<String, Object> grid = sweep("big", obj("units", List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)), null, 1);
        assertThat(reason(assertProblem(post("/sweeps", grid), 400, "invalid-request", "space"), "space"))
                .contains("13 trials").contains("chainrule.sweeps.max-trials");
        Map<String, Object> twelve = sweep("twelve", obj("units", List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)), null, 1);
        Map<String, Object> random = sweep("random", obj("units", List.of(1, 2, 3), "l2", List.of(0.0, 0.1, 0.2, 0.3, 0.4)),
                obj("type", "random", "trials", 13, "seed", 1), 1);
        assertThat(reason(assertProblem(post("/sweeps", random), 400, "invalid-request", "strategy.trials"), "strategy.trials"))
                .contains("chainrule.sweeps.max-trials");
        // a trial the base allows but the limits do not: named with its parameters
        Map<String, Object> wide = sweep("wide", obj("units", List.of(8, 100000)), null, 1);
        assertThat(reason(assertProblem(post("/sweeps", wide), 400, "invalid-request", "space"), "space"))
                .contains("trial 2").contains("units");
        assertThat(get("/sweeps").json().get("totalItems").asLong()).isEqualTo(sweepsBefore);
        assertThat(get("/models").json().get("totalItems").asLong()).isEqualTo(modelsBefore);

        // exactly at the limit: accepted, and cancelled at once
        JsonNode atLimit = create(twelve);
        assertThat(atLimit.get("progress").get("planned").asInt()).isEqualTo(12);
        assertThat(post("/sweeps/" + atLimit.get("id").asString() + "/cancel", "").status()).isEqualTo(202);
        assertProblem(get("/sweeps/nope"), 404, "not-found");
        assertProblem(post("/sweeps/nope/cancel", ""), 404, "not-found");
    }
}
