package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * The service learns real data end to end over HTTP: define a network, train it on rows the test chose
 * (holding the rest back), follow the job, predict the held-back rows in one request, keep versions apart,
 * and explain predictions with input gradients. Runs on the default configuration.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LearningApiTest extends ApiTestSupport {

    @Test
    void irisIsLearnedFollowedPredictedVersionedAndExplained() {
        TestData.Table[] parts = TestData.load("iris/iris.csv").split(0.3, 2);
        TestData.Table train = parts[0];
        TestData.Table heldBack = parts[1];
        assertThat(heldBack.rows()).isEqualTo(45);

        // define: 201, an absolute Location that serves the model
        var created = post("/models", obj("name", "iris", "inputWidth", 4,
                "layers", List.of(layer(16, "tanh"), layer(3, "softmax")), "loss", "cross_entropy", "seed", 7));
        assertThat(created.status()).isEqualTo(201);
        String location = created.headers().firstValue("Location").orElseThrow();
        String modelId = created.json().get("id").asString();
        assertThat(location).isEqualTo(uri("/models/" + modelId).toString());
        assertThat(get(URI.create(location).getPath()).json().get("trainingState").asString()).isEqualTo("UNTRAINED");

        // train: 600 epochs of 8-row batches, 20% of the training rows for validation (a few tenths of a second:
        // long enough for the polls below to see it running, with epochs too quick to be checkpointed each)
        int epochs = 600;
        var submitted = post("/train", obj("modelId", modelId, "data", data(train.features(), train.labels()),
                "validationSplit", 0.2, "epochs", epochs, "batchSize", 8, "shuffleSeed", 3,
                "optimizer", obj("type", "adam", "learningRate", 0.02)));
        assertThat(submitted.status()).isEqualTo(202);
        String jobId = submitted.json().get("id").asString();
        assertThat(submitted.headers().firstValue("Location")).contains(uri("/jobs/" + jobId).toString());
        assertThat(status(submitted.json())).isIn("QUEUED", "RUNNING");
        assertThat(submitted.json().get("epochs").asInt()).isEqualTo(epochs);

        // follow by polling: progress only grows, and a running job tells its epoch and time left
        List<JsonNode> seen = new ArrayList<>();
        JsonNode end = awaitJob(jobId, job -> {
            seen.add(job);
            return finished(job);
        }, Duration.ofSeconds(60), "finished");
        double progress = 0;
        long batches = 0;
        int epoch = 0;
        int runningWithEta = 0;
        for (JsonNode job : seen) {
            double p = job.get("progress").asDouble();
            assertThat(p).as("progress in %s", job).isBetween(0.0, 1.0).isGreaterThanOrEqualTo(progress);
            assertThat(job.get("batchesDone").asLong()).isGreaterThanOrEqualTo(batches);
            assertThat(job.get("currentEpoch").asInt()).isGreaterThanOrEqualTo(epoch).isLessThanOrEqualTo(epochs);
            progress = p;
            batches = job.get("batchesDone").asLong();
            epoch = job.get("currentEpoch").asInt();
            if (status(job).equals("RUNNING") && batches > 0) {
                assertThat(job.get("startedAt").isString()).as("startedAt in %s", job).isTrue();
                assertThat(job.get("currentEpoch").asInt()).isBetween(1, epochs);
                assertThat(job.get("etaSeconds").isNumber()).as("etaSeconds in %s", job).isTrue();
                assertThat(job.get("etaSeconds").asDouble()).isGreaterThanOrEqualTo(0);
                assertThat(job.get("history").size()).isLessThanOrEqualTo(job.get("currentEpoch").asInt());
                if (p > 0 && p < 1) {
                    runningWithEta++;
                }
            }
        }
        assertThat(runningWithEta).as("polls that saw the job running part-way").isPositive();

        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        assertThat(end.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(end.has("etaSeconds")).isFalse();
        assertThat(end.get("version").asInt()).isEqualTo(1);
        assertThat(end.get("endReason").asString()).isEqualTo("completed");
        assertThat(end.get("batchesDone").asLong()).isEqualTo(end.get("batchesPlanned").asLong()).isEqualTo(epochs * 11L);
        JsonNode history = end.get("history");
        assertThat(history.size()).isEqualTo(epochs);
        for (int e = 0; e < epochs; e++) {
            JsonNode report = history.get(e);
            assertThat(report.get("epoch").asInt()).isEqualTo(e + 1);
            assertThat(report.get("trainingLoss").asDouble()).isFinite().isPositive();
            assertThat(report.get("validationLoss").asDouble()).isFinite().isPositive();
            assertThat(report.get("validationMetrics").get("accuracy").asDouble()).isBetween(0.0, 1.0);
        }
        assertThat(history.get(epochs - 1).get("trainingLoss").asDouble())
                .isLessThan(history.get(0).get("trainingLoss").asDouble() / 2);
        assertThat(end.get("finalMetrics").get("accuracy").asDouble()).isGreaterThan(0.85);

        // the model now has version 1
        JsonNode model = get("/models/" + modelId).json();
        assertThat(model.get("trainingState").asString()).isEqualTo("TRAINED");
        assertThat(model.get("latestVersion").asInt()).isEqualTo(1);
        assertThat(model.get("versions").size()).isEqualTo(1);
        assertThat(model.get("versions").get(0).get("version").asInt()).isEqualTo(1);
        assertThat(model.get("versions").get(0).get("jobId").asString()).isEqualTo(jobId);

        // predict every held-back row in one request
        JsonNode predicted = predict(modelId, heldBack.features(), null);
        assertThat(predicted.get("version").asInt()).isEqualTo(1);
        assertThat(predicted.get("task").asString()).isEqualTo("classification");
        assertThat(accuracy(predicted, heldBack.labels())).isGreaterThanOrEqualTo(0.95);
        for (JsonNode prediction : predicted.get("predictions")) {
            JsonNode probabilities = prediction.get("probabilities");
            assertThat(probabilities.size()).isEqualTo(3);
            double sum = 0;
            int best = 0;
            for (int k = 0; k < 3; k++) {
                assertThat(probabilities.get(k).asDouble()).isBetween(0.0, 1.0);
                sum += probabilities.get(k).asDouble();
                best = probabilities.get(k).asDouble() > probabilities.get(best).asDouble() ? k : best;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-4));
            assertThat(prediction.get("classIndex").asInt()).isEqualTo(best);
            assertThat(prediction.has("probability")).isFalse();
            assertThat(prediction.has("decision")).isFalse();
        }

        // continue from version 1: a second job makes version 2
        JsonNode second = train(obj("modelId", modelId, "data", data(train.features(), train.labels()),
                "initialization", "continue", "epochs", 10, "batchSize", 8,
                "optimizer", obj("type", "adam", "learningRate", 0.001)));
        assertThat(second.get("fromVersion").asInt()).isEqualTo(1);
        JsonNode secondEnd = awaitEnd(second.get("id").asString(), Duration.ofSeconds(30));
        assertThat(status(secondEnd)).as("%s", secondEnd).isEqualTo("SUCCEEDED");
        assertThat(secondEnd.get("version").asInt()).isEqualTo(2);
        model = get("/models/" + modelId).json();
        assertThat(model.get("latestVersion").asInt()).isEqualTo(2);
        List<Integer> numbers = new java.util.ArrayList<>();
        model.get("versions").forEach(v -> numbers.add(v.get("version").asInt()));
        assertThat(numbers).containsExactly(1, 2);

        // version 1 still answers, and answers exactly as before; the latest is version 2
        JsonNode again = predict(modelId, heldBack.features(), 1);
        assertThat(again.get("version").asInt()).isEqualTo(1);
        assertThat(again.get("predictions")).isEqualTo(predicted.get("predictions"));
        JsonNode latest = predict(modelId, heldBack.features(), null);
        assertThat(latest.get("version").asInt()).isEqualTo(2);
        assertThat(accuracy(latest, heldBack.labels())).isGreaterThanOrEqualTo(0.9);

        // input gradients: one row per instance, as wide as the input
        var gradients = post("/models/" + modelId + "/input-gradients",
                obj("instances", heldBack.features(), "targets", heldBack.labels(), "version", 1));
        assertThat(gradients.status()).as(gradients.body()).isEqualTo(200);
        assertThat(gradients.json().get("version").asInt()).isEqualTo(1);
        JsonNode rows = gradients.json().get("gradients");
        assertThat(rows.size()).isEqualTo(heldBack.rows());
        boolean anyNonZero = false;
        for (JsonNode row : rows) {
            assertThat(row.size()).isEqualTo(4);
            for (JsonNode value : row) {
                assertThat(value.asDouble()).isFinite();
                anyNonZero |= value.asDouble() != 0;
            }
        }
        assertThat(anyNonZero).isTrue();
    }

    @Test
    void breastCancerBinaryPredictionsCarryProbabilityAndDecision() {
        TestData.Table[] parts = TestData.load("breast_cancer/breast_cancer.csv").split(0.3, 11);
        TestData.Table train = parts[0];
        TestData.Table heldBack = parts[1];
        String modelId = createModel(30, "log_loss", 5, layer(16, "relu"), layer(1, "logistic")).get("id").asString();
        JsonNode job = train(obj("modelId", modelId, "data", data(train.features(), train.labels()),
                "epochs", 40, "batchSize", 32, "shuffleSeed", 1, "optimizer", obj("type", "adam", "learningRate", 0.005)));
        JsonNode end = awaitEnd(job.get("id").asString(), Duration.ofSeconds(60));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");

        JsonNode predicted = predict(modelId, heldBack.features(), null);
        assertThat(predicted.get("task").asString()).isEqualTo("binary");
        JsonNode predictions = predicted.get("predictions");
        assertThat(predictions.size()).isEqualTo(heldBack.rows());
        int correct = 0;
        int[] labels = heldBack.labels();
        for (int i = 0; i < labels.length; i++) {
            JsonNode prediction = predictions.get(i);
            double probability = prediction.get("probability").asDouble();
            int decision = prediction.get("decision").asInt();
            assertThat(probability).isBetween(0.0, 1.0);
            assertThat(decision).isEqualTo(probability >= 0.5 ? 1 : 0);
            assertThat(prediction.get("outputs").size()).isEqualTo(1);
            assertThat(prediction.get("outputs").get(0).asDouble()).isEqualTo(probability);
            assertThat(prediction.has("classIndex")).isFalse();
            correct += decision == labels[i] ? 1 : 0;
        }
        assertThat(correct / (double) labels.length).as("held-back accuracy").isGreaterThanOrEqualTo(0.93);
    }

    /**
     * Single-row predicts of a model with 64 inputs take the sparse first-layer path for digits with at most 32 inked
     * pixels (SparseRowForward) and the dense one for the rest: each row alone predicts the class the batch does,
     * with outputs within float32 round-off of the batch's.
     */
    @Test
    void digitsPredictedOneRowAtATimeAgreeWithTheBatch() {
        TestData.Table[] parts = TestData.load("digits8x8/digits8x8.csv").split(0.2, 5);
        TestData.Table train = parts[0];
        TestData.Table heldBack = parts[1];
        String modelId = createModel(64, "cross_entropy", 3, layer(32, "relu"), layer(10, "softmax")).get("id").asString();
        JsonNode job = train(obj("modelId", modelId, "data", data(train.features(), train.labels()),
                "epochs", 20, "batchSize", 32, "shuffleSeed", 1, "optimizer", obj("type", "adam", "learningRate", 0.01)));
        JsonNode end = awaitEnd(job.get("id").asString(), Duration.ofSeconds(60));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");

        double[][] rows = Arrays.copyOf(heldBack.features(), 80);
        JsonNode batch = predict(modelId, rows, null).get("predictions");
        int sparse = 0;
        for (int r = 0; r < rows.length; r++) {
            sparse += Arrays.stream(rows[r]).filter(v -> v != 0).count() <= 32 ? 1 : 0;
            JsonNode alone = predict(modelId, new double[][] {rows[r]}, null).get("predictions").get(0);
            assertThat(alone.get("classIndex").asInt()).as("row %d", r).isEqualTo(batch.get(r).get("classIndex").asInt());
            for (int k = 0; k < 10; k++) {
                double expected = batch.get(r).get("outputs").get(k).asDouble();
                assertThat(alone.get("outputs").get(k).asDouble()).as("row %d output %d", r, k)
                        .isCloseTo(expected, within(1e-5 * expected + 1e-9));
            }
        }
        assertThat(sparse).as("rows on the sparse path").isBetween(10, rows.length - 10);
        int correct = 0;
        for (int r = 0; r < rows.length; r++) {
            correct += batch.get(r).get("classIndex").asInt() == heldBack.labels()[r] ? 1 : 0;
        }
        assertThat(correct / (double) rows.length).as("held-back accuracy").isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void concreteRegressionPredictionsAreOutputsOnly() {
        TestData.Table[] parts = TestData.load("concrete/concrete.csv").split(0.3, 5);
        TestData.Table train = parts[0];
        TestData.Table heldBack = parts[1];
        String modelId = createModel(8, "squared_error", 3, layer(32, "relu"), layer(1, "linear")).get("id").asString();
        JsonNode job = train(obj("modelId", modelId, "data", data(train.features(), train.targets()),
                "epochs", 40, "batchSize", 32, "shuffleSeed", 2, "optimizer", obj("type", "adam", "learningRate", 0.02)));
        JsonNode end = awaitEnd(job.get("id").asString(), Duration.ofSeconds(90));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        assertThat(end.get("finalMetrics").has("mse")).isTrue();

        JsonNode predicted = predict(modelId, heldBack.features(), null);
        assertThat(predicted.get("task").asString()).isEqualTo("regression");
        JsonNode predictions = predicted.get("predictions");
        assertThat(predictions.size()).isEqualTo(heldBack.rows());
        double sse = 0;
        double mean = java.util.Arrays.stream(heldBack.targets()).average().orElseThrow();
        double sst = 0;
        for (int i = 0; i < heldBack.rows(); i++) {
            JsonNode prediction = predictions.get(i);
            assertThat(prediction.properties().stream().map(java.util.Map.Entry::getKey).toList()).containsExactly("outputs");
            assertThat(prediction.get("outputs").size()).isEqualTo(1);
            double error = prediction.get("outputs").get(0).asDouble() - heldBack.targets()[i];
            sse += error * error;
            sst += (heldBack.targets()[i] - mean) * (heldBack.targets()[i] - mean);
        }
        assertThat(1 - sse / sst).as("held-back R^2").isGreaterThan(0.75);
    }

    @Test
    void serverSentEventsStreamEveryEpochInOrderThenTheEnd() {
        TestData.Table iris = TestData.load("iris/iris.csv");
        String modelId = createModel(4, "cross_entropy", 1, layer(8, "tanh"), layer(3, "softmax")).get("id").asString();
        int epochs = 400; // a few tenths of a second: the stream is open well before the job ends
        String jobId = train(obj("modelId", modelId, "data", data(iris.features(), iris.labels()), "validationSplit", 0.2,
                "epochs", epochs, "batchSize", 4, "optimizer", obj("learningRate", 0.01))).get("id").asString();

        // subscribed at once: the stream carries each epoch as it finishes, then the end, then closes
        List<Event> live = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> events(jobId));
        JsonNode end = job(jobId);
        assertThat(status(end)).isEqualTo("SUCCEEDED");
        assertThat(live.get(0).received()).as("first epoch arrived while the job ran")
                .isBefore(Instant.parse(end.get("finishedAt").asString()));
        assertEpochsThenEnd(jobId, live, epochs);
        for (int e = 0; e < epochs; e++) {
            JsonNode epoch = live.get(e).json();
            assertThat(epoch.get("validationLoss").asDouble()).isFinite();
            assertThat(epoch.get("trainingLoss").asDouble()).isEqualTo(end.get("history").get(e).get("trainingLoss").asDouble());
        }

        // a late subscriber to the finished job gets the whole history and the end, and the stream closes
        List<Event> late = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> events(jobId));
        assertEpochsThenEnd(jobId, late, epochs);
        for (int e = 0; e <= epochs; e++) {
            assertThat(late.get(e).data()).isEqualTo(live.get(e).data());
        }
    }

    private static void assertEpochsThenEnd(String jobId, List<Event> events, int epochs) {
        assertThat(events).hasSize(epochs + 1);
        for (int e = 0; e < epochs; e++) {
            Event event = events.get(e);
            assertThat(event.name()).isEqualTo("epoch");
            assertThat(event.id()).isEqualTo(jobId + "/" + (e + 1));
            assertThat(event.json().get("epoch").asInt()).isEqualTo(e + 1);
            assertThat(event.json().get("trainingLoss").asDouble()).isFinite().isPositive();
        }
        Event last = events.get(epochs);
        assertThat(last.name()).isEqualTo("end");
        assertThat(last.json().get("id").asString()).isEqualTo(jobId);
        assertThat(status(last.json())).isEqualTo("SUCCEEDED");
        assertThat(last.json().get("version").asInt()).isEqualTo(1);
        assertThat(last.json().get("history").size()).isEqualTo(epochs);
    }

    /** One Server-Sent Event, and when its first line arrived. */
    record Event(String name, String id, String data, Instant received) {
        JsonNode json() {
            return JSON.readTree(data);
        }
    }

    /** Reads GET /jobs/{id}/events line by line until the server closes the stream. */
    private List<Event> events(String jobId) throws Exception {
        HttpResponse<Stream<String>> response = http().exchange(HttpRequest.newBuilder(uri("/jobs/" + jobId + "/events"))
                .header("Accept", "text/event-stream").GET(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<Event> events = new ArrayList<>();
        String[] fields = new String[3];
        Instant[] first = new Instant[1];
        try (Stream<String> lines = response.body()) {
            lines.forEach(line -> {
                if (line.isEmpty()) {
                    if (fields[2] != null) {
                        events.add(new Event(fields[0], fields[1], fields[2], first[0]));
                    }
                    java.util.Arrays.fill(fields, null);
                    first[0] = null;
                    return;
                }
                if (first[0] == null) {
                    first[0] = Instant.now();
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                switch (field) {
                    case "event" -> fields[0] = value;
                    case "id" -> fields[1] = value;
                    case "data" -> fields[2] = fields[2] == null ? value : fields[2] + "\n" + value;
                    default -> { } // comments and retry
                }
            });
        }
        return events;
    }

    JsonNode predict(String modelId, double[][] instances, Integer version) {
        var response = post("/models/" + modelId + "/predict", obj("instances", instances, "version", version));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("modelId").asString()).isEqualTo(modelId);
        assertThat(response.json().get("predictions").size()).isEqualTo(instances.length);
        return response.json();
    }

    static double accuracy(JsonNode predicted, int[] labels) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += predicted.get("predictions").get(i).get("classIndex").asInt() == labels[i] ? 1 : 0;
        }
        return correct / (double) labels.length;
    }
}
