package dev.chainrule.cluster;

import static org.assertj.core.api.Assertions.fail;

import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * The cluster tests' training work: the 8x8 digits (1,797 rows, 64 pixels, target {@code digit}) uploaded as a
 * dataset, a 64-32-10 network trained one row per minibatch, so that an epoch takes long enough (a few hundred
 * milliseconds) to kill, freeze or cancel its replica in the middle of a job. Every job of the same definition and
 * training request ends with the same weights, wherever and however often it was resumed.
 */
final class DigitsWorkload {
    static final String TARGET = "digit";

    private DigitsWorkload() {
    }

    static Path csv() {
        return TestDatasets.file("digits8x8/digits8x8.csv");
    }

    /** Every row's 64 pixels, for predictions over the whole dataset. */
    static List<double[]> features() {
        try {
            List<String> lines = Files.readAllLines(csv());
            List<double[]> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (!line.isBlank()) {
                    double[] cells = Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray();
                    rows.add(Arrays.copyOf(cells, cells.length - 1));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Uploads the dataset through {@code http}; the dataset as created. */
    static JsonNode upload(TestHttp http) {
        return http.postCsv("/datasets?name=digits&target=" + TARGET, csv()).expect(201, "POST /datasets");
    }

    static Map<String, Object> model(String name) {
        return Map.of("name", name, "inputWidth", 64, "layers", List.of(Map.of("units", 32, "activation", "tanh"),
                Map.of("units", 10, "activation", "softmax")), "loss", "cross_entropy", "seed", 7);
    }

    static String createModel(TestHttp http, String name) {
        return http.post("/models", model(name)).expect(201, "POST /models").path("id").asString();
    }

    static Map<String, Object> training(String modelId, String datasetId, int epochs) {
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("modelId", modelId);
        train.put("datasetId", datasetId);
        train.put("validationSplit", 0.2);
        train.put("epochs", epochs);
        train.put("batchSize", 1);
        train.put("optimizer", Map.of("type", "adam", "learningRate", 0.001));
        train.put("shuffleSeed", 3);
        return train;
    }

    static String train(TestHttp http, String modelId, String datasetId, int epochs) {
        return http.post("/train", training(modelId, datasetId, epochs)).expect(202, "POST /train").path("id").asString();
    }

    /**
     * Polls GET /jobs/{id} until the condition holds. A request that fails or times out (its replica was just
     * killed or is frozen, and the balancer has not noticed yet) is retried.
     */
    static JsonNode await(TestHttp http, String jobId, Predicate<JsonNode> condition, Duration timeout, String what) {
        TestHttp patient = http.withTimeout(Duration.ofSeconds(3));
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            try {
                Reply reply = patient.get("/jobs/" + jobId);
                if (reply.status() == 200) {
                    last = reply.json();
                    if (condition.test(last)) {
                        return last;
                    }
                    if (finished(last) && !condition.test(last)) {
                        return fail("job %s finished while waiting for it to be %s: %s", jobId, what, last);
                    }
                }
            } catch (UncheckedIOException unreachable) {
                // the balancer sent this one to a replica that is gone or frozen; ask again
            }
            ReplicaProcess.sleep(Duration.ofMillis(50));
        }
        return fail("job %s: not %s within %s; last seen %s", jobId, what, timeout, last);
    }

    static String status(JsonNode job) {
        return job.path("status").asString();
    }

    static boolean finished(JsonNode job) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(status(job));
    }

    static boolean succeeded(JsonNode job) {
        return status(job).equals("SUCCEEDED");
    }

    /** The replica running the job ({@code owner}, the job's lease holder), or "" while none does. */
    static String owner(JsonNode job) {
        if (!status(job).equals("RUNNING")) {
            return "";
        }
        if (!job.hasNonNull("owner")) {
            // fail at once rather than wait out a timeout: the scenarios need to know where a job runs
            return fail("a running job names the replica that runs it in \"owner\" (its replica-id); GET /jobs/{id} gave %s", job);
        }
        return job.path("owner").asString();
    }

    /** Running on some replica with at least {@code epochs} epochs reported. */
    static Predicate<JsonNode> runningWithEpochs(int epochs) {
        return job -> !owner(job).isEmpty() && job.path("history").size() >= epochs;
    }

    /** The epoch numbers of the job's history, in its order. */
    static List<Integer> epochs(JsonNode job) {
        List<Integer> epochs = new ArrayList<>();
        job.path("history").forEach(entry -> epochs.add(entry.path("epoch").asInt()));
        return epochs;
    }

    static List<Integer> oneTo(int n) {
        List<Integer> numbers = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            numbers.add(i);
        }
        return numbers;
    }

    /** The model's predictions for every row of the dataset, as the replica behind {@code http} gives them. */
    static JsonNode predictions(TestHttp http, String modelId) {
        return http.post("/models/" + modelId + "/predict", Map.of("instances", features()))
                .expect(200, "POST /models/" + modelId + "/predict").path("predictions");
    }
}
