package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.dataset.MnistCsv;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Scoring stored datasets over real HTTP: MNIST's 10,000 test images through a trained 784-32-10 network, every row of
 * the CSV and float32 results against /predict on the same rows, the metrics against ones computed here from those
 * predictions; a regression dataset's MSE, MAE and R^2; cancelling a scoring job; the errors. A chunk of 1,500 rows
 * leaves a short last chunk (10,000 = 6 x 1,500 + 1,000).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.jobs.workers=1", "chainrule.jobs.queue-capacity=4", "chainrule.jobs.scoring-chunk-rows=1500"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScoringApiTest extends ApiTestSupport {
    static final Duration LONG = Duration.ofMinutes(5);
    String mnistDataset;
    String mnistModel;

    @BeforeAll
    void trainOnMnist() throws IOException {
        Path csv = MnistCsv.write(Files.createTempFile("mnist-test", ".csv"));
        try {
            mnistDataset = uploadDataset("/datasets?name=mnist-test&target=label", Files.readAllBytes(csv));
        } finally {
            Files.delete(csv);
        }
        mnistModel = createModel(784, "cross_entropy", 7, layer(32, "relu"), layer(10, "softmax")).get("id").asString();
        JsonNode job = train(obj("modelId", mnistModel, "datasetId", mnistDataset, "epochs", 1, "batchSize", 100,
                "optimizer", obj("type", "adam", "learningRate", 0.002)));
        assertThat(status(awaitEnd(job.get("id").asString(), LONG))).isEqualTo("SUCCEEDED");
    }

    String uploadDataset(String path, byte[] csv) {
        Reply created = send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofByteArray(csv)));
        assertThat(created.status()).as("POST /datasets %s", created.body()).isEqualTo(201);
        return created.json().get("id").asString();
    }

    /** POST /models/{id}/score expecting 202 and a Location; returns the job once it ended. */
    JsonNode scored(String modelId, Object body) {
        Reply response = post("/models/" + modelId + "/score", body);
        assertThat(response.status()).as("POST score %s", response.body()).isEqualTo(202);
        JsonNode job = response.json();
        assertThat(job.get("kind").asString()).isEqualTo("scoring");
        assertThat(response.headers().firstValue("Location")).contains(uri("/jobs/" + job.get("id").asString()).toString());
        return awaitEnd(job.get("id").asString(), LONG);
    }

    byte[] bytes(String path) {
        HttpResponse<byte[]> response = http().exchange(HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT).GET(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
        return response.body();
    }

    /** The float32 result read as docs/scoring.md describes it: magic, header length, JSON header, rows. */
    record Scores(JsonNode header, float[] values) {
        static Scores parse(byte[] file) {
            ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[17];
            in.get(magic);
            assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("CHAINRULE-SCORES\n");
            byte[] json = new byte[in.getInt()];
            in.get(json);
            JsonNode header = JSON.readTree(json);
            float[] values = new float[in.remaining() / 4];
            in.asFloatBuffer().get(values);
            return new Scores(header, values);
        }
    }

    /** /predict on float32 rows, 2,000 at a time: every row's outputs, row-major. */
    float[] predict(String modelId, float[] features, int width) {
        int rows = features.length / width;
        float[] out = null;
        int k = 0;
        for (int from = 0; from < rows; from += 2000) {
            int n = Math.min(2000, rows - from);
            ByteBuffer body = ByteBuffer.allocate(n * width * 4).order(ByteOrder.LITTLE_ENDIAN);
            body.asFloatBuffer().put(features, from * width, n * width);
            Reply response = send(HttpRequest.newBuilder(uri("/models/" + modelId + "/predict"))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            JsonNode predictions = response.json().get("predictions");
            for (int r = 0; r < n; r++) {
                JsonNode outputs = predictions.get(r).get("outputs");
                if (out == null) {
                    k = outputs.size();
                    out = new float[rows * k];
                }
                for (int j = 0; j < k; j++) {
                    out[(from + r) * k + j] = outputs.get(j).floatValue();
                }
            }
        }
        return out;
    }

    @Test
    void mnistIsScoredRowForRowAsPredictScoresItWithMetricsFromThosePredictions() throws IOException {
        JsonNode job = scored(mnistModel, obj("datasetId", mnistDataset, "version", 1));
        String id = job.get("id").asString();
        assertThat(status(job)).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(job.get("scoring").get("rowsScored").asLong()).isEqualTo(10_000);
        assertThat(job.get("scoring").get("rows").asLong()).isEqualTo(10_000);
        assertThat(job.get("scoring").get("datasetId").asString()).isEqualTo(mnistDataset);
        assertThat(job.get("scoring").get("result").asString()).isEqualTo("/jobs/" + id + "/result");

        int[] labels = MnistCsv.labels();
        float[] expected = predict(mnistModel, MnistCsv.pixels(), 784);
        Scores scores = Scores.parse(bytes("/jobs/" + id + "/result.f32"));
        assertThat(scores.header().get("rows").asLong()).isEqualTo(10_000);
        List<String> columns = new ArrayList<>();
        scores.header().get("columns").forEach(c -> columns.add(c.asString()));
        assertThat(columns).containsExactly("output_0", "output_1", "output_2", "output_3", "output_4", "output_5",
                "output_6", "output_7", "output_8", "output_9", "class");
        assertThat(scores.values()).hasSize(10_000 * 11);

        // every row: outputs as /predict gives them (float32 sums may round differently in a batch of another
        // size), and the class index of those outputs; the metrics, computed here from /predict's outputs
        double epsilon = get("/models/" + mnistModel).json().get("lossEpsilon").asDouble();
        long correct = 0;
        double logLoss = 0;
        long[][] confusion = new long[10][10];
        for (int r = 0; r < 10_000; r++) {
            int predicted = 0;
            for (int j = 0; j < 10; j++) {
                assertThat(scores.values()[r * 11 + j]).as("row %d output %d", r, j)
                        .isCloseTo(expected[r * 10 + j], within(2e-6f));
                if (expected[r * 10 + j] > expected[r * 10 + predicted]) {
                    predicted = j;
                }
            }
            assertThat((int) scores.values()[r * 11 + 10]).as("row %d class", r).isEqualTo(predicted);
            correct += predicted == labels[r] ? 1 : 0;
            confusion[labels[r]][predicted]++;
            logLoss -= Math.log(expected[r * 10 + labels[r]] + epsilon);
        }
        JsonNode result = get("/jobs/" + id + "/result").json();
        JsonNode metrics = result.get("metrics");
        assertThat(metrics.get("accuracy").asDouble()).isEqualTo(correct / 10_000.0);
        assertThat(correct).as("a real trained model").isGreaterThan(8_000);
        assertThat(metrics.get("logLoss").asDouble()).isCloseTo(logLoss / 10_000, within(1e-5));
        for (int t = 0; t < 10; t++) {
            for (int p = 0; p < 10; p++) {
                assertThat(metrics.get("confusionMatrix").get(t).get(p).asLong()).as("confusion %d %d", t, p)
                        .isEqualTo(confusion[t][p]);
            }
        }
        assertThat(result.get("rows").asLong()).isEqualTo(10_000);
        assertThat(result.get("version").asInt()).isEqualTo(1);
        assertThat(result.get("links").get("csv").asString()).isEqualTo("/jobs/" + id + "/result.csv");
        assertThat(job.get("finalMetrics").get("accuracy").asDouble()).isEqualTo(correct / 10_000.0);
        System.out.printf("scoring mnist: accuracy %.4f, log loss %.4f over %d rows%n", correct / 10_000.0,
                logLoss / 10_000, 10_000);

        // the CSV: the same numbers (each reads back as the float32 stored), plain and gzip-compressed
        byte[] csv = bytes("/jobs/" + id + "/result.csv");
        byte[] gzip = bytes("/jobs/" + id + "/result.csv?gzip=true");
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            assertThat(in.readAllBytes()).isEqualTo(csv);
        }
        assertThat(gzip.length).isLessThan(csv.length / 2);
        String[] lines = new String(csv, StandardCharsets.US_ASCII).split("\n");
        assertThat(lines).hasSize(10_001);
        assertThat(lines[0]).isEqualTo(String.join(",", columns));
        for (int r = 0; r < 10_000; r++) {
            String[] cells = lines[r + 1].split(",");
            assertThat(cells).hasSize(11);
            for (int j = 0; j < 10; j++) {
                assertThat(Float.parseFloat(cells[j])).as("csv row %d output %d", r, j).isEqualTo(scores.values()[r * 11 + j]);
            }
            assertThat(Integer.parseInt(cells[10])).isEqualTo((int) scores.values()[r * 11 + 10]);
        }

        // the job is listed with its kind
        boolean listed = false;
        JsonNode items = get("/jobs?size=100&modelId=" + mnistModel).json().get("items");
        assertThat(items.get(0).get("kind").asString()).as("the model's training job").isEqualTo("training");
        assertThat(items.get(0).has("scoring")).isFalse();
        for (JsonNode item : items) {
            assertThat(item.get("kind").asString()).isEqualTo(item.has("scoring") ? "scoring" : "training");
            listed |= item.get("id").asString().equals(id) && item.get("kind").asString().equals("scoring");
        }
        assertThat(listed).isTrue();
    }

    @Test
    void aRegressionDatasetGetsMseMaeAndR2AsComputedFromPredict() throws IOException {
        byte[] csv = Files.readAllBytes(TestDatasets.file("concrete/concrete.csv"));
        String dataset = uploadDataset("/datasets?name=concrete&target=compressive_strength", csv);
        String model = createModel(8, "squared_error", 3, layer(16, "tanh"), layer(1, "linear")).get("id").asString();
        JsonNode trained = awaitEnd(train(obj("modelId", model, "datasetId", dataset, "epochs", 20, "batchSize", 32,
                "optimizer", obj("type", "adam", "learningRate", 0.01))).get("id").asString(), LONG);
        assertThat(status(trained)).isEqualTo("SUCCEEDED");

        JsonNode job = scored(model, obj("datasetId", dataset));
        assertThat(status(job)).as(job.toString()).isEqualTo("SUCCEEDED");
        String id = job.get("id").asString();
        String[] lines = new String(csv, StandardCharsets.US_ASCII).trim().split("\n");
        int rows = lines.length - 1;
        float[] features = new float[rows * 8];
        double[] targets = new double[rows];
        for (int r = 0; r < rows; r++) {
            String[] cells = lines[r + 1].split(",");
            for (int j = 0; j < 8; j++) {
                features[r * 8 + j] = Float.parseFloat(cells[j]);
            }
            targets[r] = Float.parseFloat(cells[8]);
        }
        float[] expected = predict(model, features, 8);
        Scores scores = Scores.parse(bytes("/jobs/" + id + "/result.f32"));
        assertThat(scores.header().get("columns").size()).as("no class column for regression").isEqualTo(1);
        assertThat(scores.values()).hasSize(rows);
        double sse = 0;
        double sae = 0;
        double mean = Arrays.stream(targets).average().orElseThrow();
        double sst = 0;
        for (int r = 0; r < rows; r++) {
            assertThat(scores.values()[r]).as("row %d", r).isCloseTo(expected[r], within(Math.abs(expected[r]) * 1e-5f + 1e-5f));
            double d = targets[r] - expected[r];
            sse += d * d;
            sae += Math.abs(d);
            sst += (targets[r] - mean) * (targets[r] - mean);
        }
        JsonNode metrics = get("/jobs/" + id + "/result").json().get("metrics");
        assertThat(metrics.get("mse").asDouble()).isCloseTo(sse / rows, within(sse / rows * 1e-5));
        assertThat(metrics.get("mae").asDouble()).isCloseTo(sae / rows, within(sae / rows * 1e-5));
        assertThat(metrics.get("r2").asDouble()).isCloseTo(1 - sse / sst, within(1e-5));
        assertThat(metrics.has("accuracy")).isFalse();
        assertThat(1 - sse / sst).as("a trained regression").isGreaterThan(0.3);
        System.out.printf("scoring concrete: mse %.3f, mae %.3f, r2 %.4f over %d rows%n", sse / rows, sae / rows,
                1 - sse / sst, rows);
    }

    @Test
    void aQueuedScoringJobIsCancelledThroughTheJobsRouteAndHasNoResult() {
        // a long training job holds the one worker, so the scoring job waits in the queue
        String blocker = createModel(1, "squared_error", 0, layer(8, "tanh"), layer(1, "linear")).get("id").asString();
        double[][] x = new double[2000][];
        double[] y = new double[2000];
        for (int i = 0; i < 2000; i++) {
            x[i] = new double[] {i / 1000.0};
            y[i] = 2 * (i / 1000.0) + 1;
        }
        String blocking = train(obj("modelId", blocker, "data", data(x, y), "epochs", 1000, "batchSize", 1,
                "optimizer", obj("type", "sgd", "learningRate", 0.001))).get("id").asString();
        awaitRunning(blocking);
        Reply submitted = post("/models/" + mnistModel + "/score", obj("datasetId", mnistDataset));
        assertThat(submitted.status()).isEqualTo(202);
        String id = submitted.json().get("id").asString();
        assertThat(status(job(id))).isEqualTo("QUEUED");
        assertProblem(get("/jobs/" + id + "/result"), 409, "result-unavailable");
        assertProblem(get("/jobs/" + id + "/result.csv"), 409, "result-unavailable");

        Reply cancelled = post("/jobs/" + id + "/cancel", "");
        assertThat(cancelled.status()).isEqualTo(202);
        assertThat(status(awaitEnd(id, Duration.ofSeconds(10)))).isEqualTo("CANCELLED");
        assertProblem(get("/jobs/" + id + "/result.f32"), 409, "result-unavailable");
        assertProblem(get("/jobs/" + blocking + "/result"), 409, "result-unavailable");
    }

    @Test
    void badRequestsAreProblemsNamingTheFieldAndCreateNoJob() {
        long jobsBefore = get("/jobs?size=1").json().get("totalItems").asLong();
        assertProblem(post("/models/" + mnistModel + "/score", obj("version", 1)), 400, "invalid-request", "datasetId");
        assertProblem(post("/models/" + mnistModel + "/score", obj("datasetId", "no-such-dataset")), 404, "not-found",
                "datasetId");
        assertProblem(post("/models/" + mnistModel + "/score", obj("datasetId", mnistDataset, "version", 9)), 404,
                "not-found", "version");
        assertProblem(post("/models/" + mnistModel + "/score", obj("datasetId", mnistDataset, "version", "no-such-alias")),
                404, "not-found", "version");
        assertProblem(post("/models/" + mnistModel + "/score", obj("datasetId", mnistDataset, "version", "Bad Alias!")),
                400, "invalid-request", "version");
        String iris = uploadDataset("/datasets?name=iris", bytesOf("iris/iris.csv"));
        JsonNode narrow = assertProblem(post("/models/" + mnistModel + "/score", obj("datasetId", iris)), 400,
                "invalid-request", "datasetId");
        assertThat(reason(narrow, "datasetId")).contains("4 feature columns").contains("784");
        assertProblem(post("/models/no-such-model/score", obj("datasetId", mnistDataset)), 404, "not-found");
        assertThat(get("/jobs?size=1").json().get("totalItems").asLong()).as("no job was created").isEqualTo(jobsBefore);
        assertProblem(get("/jobs/no-such-job/result"), 404, "not-found");
    }

    @Test
    void theGzipChoiceIsTrueOrFalse() {
        JsonNode job = scored(mnistModel, obj("datasetId", mnistDataset, "version", "latest"));
        String id = job.get("id").asString();
        assertProblem(get("/jobs/" + id + "/result.csv?gzip=yes"), 400, "invalid-request", "gzip");
        assertThat(new String(bytes("/jobs/" + id + "/result.csv?gzip=false"), StandardCharsets.US_ASCII))
                .startsWith("output_0,");
    }

    static byte[] bytesOf(String dataset) {
        try {
            return Files.readAllBytes(TestDatasets.file(dataset));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
