package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Dataset uploads over real HTTP: raw, gzip and multipart bodies of iris, their statistics and class counts against
 * a computation of our own over the CSV text, list, show and delete, every kind of bad CSV (each a 400 naming the
 * line and column, or a 413, and nothing stored: neither a file under the data directory nor a row), delete refused
 * while a job reads the dataset, and training by dataset id reaching the inline test's held-out accuracy.
 *
 * <p>Limits small enough to pass with tiny requests: 40 columns, 256KB per upload; one training worker.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.jobs.workers=1",
        "chainrule.jobs.queue-capacity=4",
        "chainrule.limits.max-dataset-columns=" + DatasetApiTest.MAX_COLUMNS,
        "chainrule.limits.max-dataset-size=" + DatasetApiTest.MAX_BYTES,
})
class DatasetApiTest extends ApiTestSupport {
    static final int MAX_COLUMNS = 40;
    static final int MAX_BYTES = 256 * 1024;
    static final String IRIS_HEADER = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,species";

    @Autowired
    dev.chainrule.config.ChainruleProperties properties;

    // ---- uploads -------------------------------------------------------------------------------------------------

    @Test
    void irisAsARawBodyReportsItsShapeStatisticsAndClassCounts() throws IOException {
        byte[] csv = Files.readAllBytes(TestDatasets.file("iris/iris.csv"));

        Reply created = upload("/datasets?name=iris", "text/csv", csv);

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode dataset = created.json();
        String id = dataset.get("id").asString();
        assertThat(created.headers().firstValue("Location")).contains(uri("/datasets/" + id).toString());
        assertThat(dataset.get("name").asString()).isEqualTo("iris");
        assertThat(dataset.get("rows").asLong()).isEqualTo(150);
        assertThat(strings(dataset.get("featureColumns")))
                .containsExactly("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm");
        assertThat(strings(dataset.get("targetColumns"))).containsExactly("species");
        assertThat(dataset.get("classCounts").properties()).hasSize(3);
        assertThat(dataset.get("classCounts").get("0").asLong()).isEqualTo(50);
        assertThat(dataset.get("classCounts").get("1").asLong()).isEqualTo(50);
        assertThat(dataset.get("classCounts").get("2").asLong()).isEqualTo(50);
        assertStatistics(dataset, new String(csv, StandardCharsets.UTF_8), List.of("species"));
        assertThat(dataset.get("createdAt").asString()).isNotBlank();

        // the file is where the row says, as large as reported: 150 rows of 5 float32 plus header and footer
        Path file = properties.dataDir().resolve("datasets").resolve(id + ".bin");
        assertThat(file).exists();
        assertThat(Files.size(file)).isEqualTo(dataset.get("sizeBytes").asLong()).isGreaterThan(150 * 5 * 4);
        assertThat(get("/datasets/" + id).json()).isEqualTo(dataset);
    }

    @Test
    void gzipAndMultipartUploadsOfIrisGiveTheSameDataset() throws IOException {
        byte[] csv = Files.readAllBytes(TestDatasets.file("iris/iris.csv"));
        JsonNode plain = created(upload("/datasets", "text/csv", csv));

        JsonNode gzip = created(upload("/datasets", "application/octet-stream", gzip(csv)));
        JsonNode form = created(multipart("/datasets", "iris.csv", csv, Map.of()));
        JsonNode gzipForm = created(multipart("/datasets", "flowers.csv.gz", gzip(csv), Map.of("name", List.of("named"))));

        assertThat(plain.get("name").asString()).isEqualTo("dataset");
        assertThat(gzip.get("name").asString()).isEqualTo("dataset");
        assertThat(form.get("name").asString()).isEqualTo("iris");
        assertThat(gzipForm.get("name").asString()).isEqualTo("named");
        for (JsonNode same : List.of(gzip, form, gzipForm)) {
            assertThat(same.get("id").asString()).isNotEqualTo(plain.get("id").asString());
            for (String field : List.of("rows", "sizeBytes", "featureColumns", "targetColumns", "columns", "classCounts")) {
                assertThat(same.get(field)).as(field).isEqualTo(plain.get(field));
            }
        }
    }

    @Test
    void targetColumnsAreChosenByNameAsQueryParametersOrFormFields() throws IOException {
        String csv = Files.readString(TestDatasets.file("iris/iris.csv"));

        JsonNode two = created(upload("/datasets?target=species&target=sepal_length_cm", "text/csv", bytes(csv)));
        assertThat(strings(two.get("featureColumns"))).containsExactly("sepal_width_cm", "petal_length_cm", "petal_width_cm");
        assertThat(strings(two.get("targetColumns"))).containsExactly("species", "sepal_length_cm");
        assertThat(two.has("classCounts")).isFalse(); // two target columns: not a class target
        assertStatistics(two, csv, List.of("species", "sepal_length_cm"));

        JsonNode regression = created(multipart("/datasets", "iris.csv", bytes(csv), Map.of("target", List.of("petal_width_cm"))));
        assertThat(strings(regression.get("targetColumns"))).containsExactly("petal_width_cm");
        assertThat(regression.has("classCounts")).isFalse(); // 0.2, 1.3, ...: not class ids
        assertThat(regression.get("columns").get(4).get("role").asString()).isEqualTo("target");
        assertThat(regression.get("columns").get(4).get("name").asString()).isEqualTo("petal_width_cm");

        // a name with a comma in it (quoted in the header) stays one name
        JsonNode quoted = created(upload("/datasets?target=dose%2C%20mg", "text/csv", bytes("\"dose, mg\",x,y\n1,2,3\n4,5,6\n")));
        assertThat(strings(quoted.get("targetColumns"))).containsExactly("dose, mg");
        assertThat(strings(quoted.get("featureColumns"))).containsExactly("x", "y");
    }

    @Test
    void datasetsAreListedPagedOldestFirstAndDeletedWithTheirFiles() {
        long before = get("/datasets?size=100").json().get("totalItems").asLong();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(created(upload("/datasets?name=list-" + i, "text/csv", bytes("x,y\n" + i + ",1\n"))).get("id").asString());
        }
        long total = get("/datasets?size=100").json().get("totalItems").asLong();
        assertThat(total).isEqualTo(before + 3);

        JsonNode page = get("/datasets?page=0&size=2").json();
        assertThat(page.get("items").size()).isEqualTo(2);
        assertThat(page.get("totalItems").asLong()).isEqualTo(total);
        assertThat(page.get("totalPages").asInt()).isEqualTo((int) ((total + 1) / 2));
        List<String> all = new ArrayList<>();
        for (JsonNode item : get("/datasets?size=100").json().get("items")) {
            all.add(item.get("id").asString());
        }
        assertThat(all).containsSubsequence(ids); // oldest first
        assertProblem(get("/datasets?size=0"), 400, "invalid-request", "size");

        Path file = properties.dataDir().resolve("datasets").resolve(ids.get(1) + ".bin");
        assertThat(file).exists();
        assertThat(delete("/datasets/" + ids.get(1)).status()).isEqualTo(204);
        assertThat(file).doesNotExist();
        assertProblem(get("/datasets/" + ids.get(1)), 404, "not-found");
        assertProblem(delete("/datasets/" + ids.get(1)), 404, "not-found");
        assertThat(get("/datasets?size=100").json().get("totalItems").asLong()).isEqualTo(total - 1);
    }

    // ---- bad uploads: 400 naming line and column, or 413; nothing stored -----------------------------------------

    @Test
    void everyKindOfBadCsvIsA400NamingLineAndColumnAndStoresNothing() {
        Stored before = stored();
        String iris = IRIS_HEADER + "\n5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,0\n";

        JsonNode ragged = assertBadCsv(upload("/datasets", "text/csv", bytes(iris + "4.7,3.2,1.3\n")), 4, "petal_width_cm", "(body)");
        assertThat(ragged.get("detail").asString()).contains("the row has 3 cells but the header has 5 columns");
        JsonNode tooManyCells = assertBadCsv(upload("/datasets", "text/csv", bytes(iris + "4.7,3.2,1.3,0.2,0,9\n")), 4, "species", "(body)");
        assertThat(tooManyCells.get("detail").asString()).contains("1 cell(s) after this last column");

        JsonNode nonNumeric = assertBadCsv(multipart("/datasets", "iris.csv", bytes(iris + "4.7,3.2,abc,0.2,0\n"), Map.of()),
                4, "petal_length_cm", "file");
        assertThat(nonNumeric.get("detail").asString()).isEqualTo("iris.csv: line 4, column 'petal_length_cm': 'abc' is not a number");
        assertBadCsv(upload("/datasets", "text/csv", bytes(iris + "4.7,NaN,1.3,0.2,0\n")), 4, "sepal_width_cm", "(body)");
        assertBadCsv(upload("/datasets", "text/csv", bytes(iris + "4.7,,1.3,0.2,0\n")), 4, "sepal_width_cm", "(body)");

        JsonNode empty = assertBadCsv(upload("/datasets", "text/csv", new byte[0]), 1, null, "(body)");
        assertThat(empty.get("detail").asString()).contains("the file is empty");
        assertBadCsv(multipart("/datasets", "empty.csv", new byte[0], Map.of()), 1, null, "file");
        JsonNode headerOnly = assertBadCsv(upload("/datasets", "text/csv", bytes(IRIS_HEADER + "\n")), 2, null, "(body)");
        assertThat(headerOnly.get("detail").asString()).contains("no data rows after the header");

        JsonNode missingTarget = assertBadCsv(upload("/datasets?target=label", "text/csv", bytes(iris)), 1, "label", "target");
        assertThat(missingTarget.get("detail").asString()).contains("no such target column in the header");
        assertBadCsv(multipart("/datasets", "iris.csv", bytes(iris), Map.of("target", List.of("species", "label"))), 1, "label", "target");

        JsonNode unclosedQuote = assertBadCsv(upload("/datasets", "text/csv", bytes(iris + "\"4.7,3.2,1.3,0.2,0\n")), 4, null, "(body)");
        assertThat(unclosedQuote.has("column")).isFalse();

        // the column limit at its edge: 40 columns pass, 41 name the 41st column on line 1
        created(upload("/datasets?name=widest", "text/csv", bytes(wide(MAX_COLUMNS))));
        before = stored();
        JsonNode tooWide = assertBadCsv(upload("/datasets", "text/csv", bytes(wide(MAX_COLUMNS + 1))), 1, "c41", "(body)");
        assertThat(tooWide.get("detail").asString())
                .contains("the header has 41 columns; at most 40 are allowed (chainrule.limits.max-dataset-columns)");

        // parameters: a blank or too long name, an empty or repeated target
        assertProblem(upload("/datasets?name=%20", "text/csv", bytes(iris)), 400, "invalid-request", "name");
        assertProblem(upload("/datasets?name=" + "n".repeat(201), "text/csv", bytes(iris)), 400, "invalid-request", "name");
        assertProblem(upload("/datasets?target=species&target=species", "text/csv", bytes(iris)), 400, "invalid-request", "target");
        assertProblem(multipart("/datasets", "iris.csv", bytes(iris), Map.of("target", List.of(""))), 400, "invalid-request", "target[0]");
        // no file part, or a body that is not CSV
        assertProblem(multipart("/datasets", null, null, Map.of("name", List.of("x"))), 400, "invalid-request");
        assertProblem(upload("/datasets", "application/json", bytes("{}")), 415, "unsupported-media-type");

        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void uploadsOverTheSizeLimitAre413AndStoreNothing() throws IOException {
        Stored before = stored();
        byte[] big = bytes(wideRows(MAX_BYTES + 1));
        assertThat(big.length).isGreaterThan(MAX_BYTES);

        // declared Content-Length: refused before the body is read
        assertTooLarge(upload("/datasets", "text/csv", big));
        // chunked, no Content-Length: refused as soon as the count passes the limit
        assertTooLarge(send(HttpRequest.newBuilder(uri("/datasets")).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))));
        // a gzip body far under the limit that inflates beyond it
        byte[] bomb = gzip(big);
        assertThat(bomb.length).isLessThan(MAX_BYTES / 4);
        JsonNode inflated = assertTooLarge(upload("/datasets", "application/octet-stream", bomb));
        assertThat(inflated.get("detail").asString()).contains("decompressed");
        // a multipart form over the limit, with a Content-Length and chunked (then the servlet container counts)
        assertTooLarge(multipart("/datasets", "big.csv", big, Map.of()));
        assertTooLarge(multipart("/datasets", "big.csv", big, Map.of(), true));

        assertThat(stored()).isEqualTo(before);

        // just under the limit passes
        byte[] fits = bytes(wideRows(MAX_BYTES - 1024));
        assertThat(fits.length).isLessThanOrEqualTo(MAX_BYTES);
        assertThat(created(upload("/datasets", "text/csv", fits)).get("rows").asLong()).isPositive();
    }

    // ---- training on a dataset -------------------------------------------------------------------------------------

    @Test
    void irisTrainedByDatasetIdPredictsTheHeldOutRowsAsWellAsInline() {
        TestData.Table[] parts = TestData.load("iris/iris.csv").split(0.3, 2);
        TestData.Table train = parts[0];
        TestData.Table heldBack = parts[1];
        String datasetId = created(upload("/datasets?name=iris-train", "text/csv", bytes(csv(train)))).get("id").asString();

        // as LearningApiTest trains inline: 60 epochs of 8-row batches, 20% of the training rows for validation
        String modelId = createModel(obj("name", "iris", "inputWidth", 4,
                "layers", List.of(layer(16, "tanh"), layer(3, "softmax")), "loss", "cross_entropy", "seed", 7)).get("id").asString();
        JsonNode job = train(obj("modelId", modelId, "datasetId", datasetId, "validationSplit", 0.2, "epochs", 60,
                "batchSize", 8, "shuffleSeed", 3, "optimizer", obj("type", "adam", "learningRate", 0.02)));
        JsonNode end = awaitEnd(job.get("id").asString(), Duration.ofSeconds(90));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        assertThat(end.get("batchesPlanned").asLong()).isEqualTo(60 * 11L); // 84 training rows, 21 validation

        Reply predicted = post("/models/" + modelId + "/predict", obj("instances", heldBack.features()));
        assertThat(predicted.status()).as(predicted.body()).isEqualTo(200);
        assertThat(LearningApiTest.accuracy(predicted.json(), heldBack.labels())).isGreaterThanOrEqualTo(0.95);

        // the same rows sent inline train the same network: the dataset feeds the targets as inline ones do
        String twin = createModel(obj("name", "iris", "inputWidth", 4,
                "layers", List.of(layer(16, "tanh"), layer(3, "softmax")), "loss", "cross_entropy", "seed", 7)).get("id").asString();
        JsonNode inline = awaitEnd(train(obj("modelId", twin, "data", data(train.features(), train.labels()), "validationSplit", 0.2,
                "epochs", 60, "batchSize", 8, "shuffleSeed", 3, "optimizer", obj("type", "adam", "learningRate", 0.02)))
                .get("id").asString(), Duration.ofSeconds(90));
        // the job split the dataset's rows when it ran as POST /train splits inline ones: the same rows, so the
        // same losses every epoch and the same float32 outputs (JSON floats print every bit)
        assertThat(inline.get("finalMetrics")).isEqualTo(end.get("finalMetrics"));
        assertThat(losses(inline)).isEqualTo(losses(end)).hasSize(60);
        assertThat(post("/models/" + twin + "/predict", obj("instances", heldBack.features())).json().get("predictions"))
                .isEqualTo(predicted.json().get("predictions"));
    }

    /** Every epoch's training and validation loss, as the job reports them. */
    static List<String> losses(JsonNode job) {
        List<String> losses = new ArrayList<>();
        for (JsonNode epoch : job.get("history")) {
            losses.add(epoch.get("trainingLoss").asString() + "/" + epoch.get("validationLoss").asString());
        }
        return losses;
    }

    @Test
    void aValidationDatasetIsEvaluatedEveryEpoch() {
        TestData.Table[] parts = TestData.load("iris/iris.csv").split(0.3, 5);
        String trainId = created(upload("/datasets", "text/csv", bytes(csv(parts[0])))).get("id").asString();
        String validationId = created(upload("/datasets", "text/csv", bytes(csv(parts[1])))).get("id").asString();
        String modelId = createModel(4, "cross_entropy", 3, layer(8, "relu"), layer(3, "softmax")).get("id").asString();

        JsonNode end = awaitEnd(train(obj("modelId", modelId, "datasetId", trainId, "validationDatasetId", validationId,
                "epochs", 40, "batchSize", 16, "optimizer", obj("type", "adam", "learningRate", 0.02))).get("id").asString(),
                Duration.ofSeconds(90));

        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        assertThat(end.get("history").get(0).has("validationLoss")).isTrue();
        assertThat(end.get("finalMetrics").get("accuracy").asDouble()).isGreaterThan(0.9);
    }

    @Test
    void trainingOnADatasetThatDoesNotFitTheModelNamesTheField() {
        String iris = created(upload("/datasets?name=iris", "text/csv", bytes(IRIS_HEADER
                + "\n5.1,3.5,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n6.3,3.3,6.0,2.5,2\n"))).get("id").asString();
        String threeWide = createModel(3, "cross_entropy", 1, layer(3, "softmax")).get("id").asString();
        String twoClasses = createModel(4, "cross_entropy", 1, layer(2, "softmax")).get("id").asString();
        String yesNo = createModel(4, "log_loss", 1, layer(1, "logistic")).get("id").asString();
        String regression = createModel(4, "squared_error", 1, layer(2, "linear")).get("id").asString();
        String fits = createModel(4, "cross_entropy", 1, layer(3, "softmax")).get("id").asString();

        JsonNode unknown = assertProblem(post("/train", obj("modelId", fits, "datasetId", "c0ffee00-0000-4000-8000-000000000000")),
                400, "invalid-request", "datasetId");
        assertThat(reason(unknown, "datasetId")).contains("no dataset with id 'c0ffee00-0000-4000-8000-000000000000'");
        assertThat(reason(assertProblem(post("/train", obj("modelId", threeWide, "datasetId", iris)), 400, "invalid-request", "datasetId"),
                "datasetId")).isEqualTo("dataset 'iris' has 4 feature columns but the model's inputWidth is 3");
        assertThat(reason(assertProblem(post("/train", obj("modelId", twoClasses, "datasetId", iris)), 400, "invalid-request", "datasetId"),
                "datasetId")).isEqualTo("dataset 'iris', column 'species': must be a class id 0..1 (the output layer has 2 units), got 2 (1 row)");
        assertThat(reason(assertProblem(post("/train", obj("modelId", yesNo, "datasetId", iris)), 400, "invalid-request", "datasetId"),
                "datasetId")).isEqualTo("dataset 'iris', column 'species': must be 0 or 1 for log_loss, got 2 (1 row)");
        assertThat(reason(assertProblem(post("/train", obj("modelId", regression, "datasetId", iris)), 400, "invalid-request", "datasetId"),
                "datasetId")).startsWith("dataset 'iris' has 1 target column(s) but the model's output layer has 2 unit(s)");
        assertProblem(post("/train", obj("modelId", fits, "datasetId", iris, "data", data(new double[][] {{1, 2, 3, 4}}, new int[] {0}))),
                400, "invalid-request", "datasetId");
        assertProblem(post("/train", obj("modelId", fits, "datasetId", iris, "validationDatasetId", "nope")),
                400, "invalid-request", "validationDatasetId");
        assertProblem(post("/train", obj("modelId", fits, "datasetId", iris, "validationDatasetId", iris, "validationSplit", 0.5)),
                400, "invalid-request", "validationSplit");
        assertProblem(post("/train", obj("modelId", fits)), 400, "invalid-request", "data");
        // the row count comes from the summary too: 10% of 3 rows is none
        assertThat(reason(assertProblem(post("/train", obj("modelId", fits, "datasetId", iris, "validationSplit", 0.1)),
                400, "invalid-request", "validationSplit"), "validationSplit"))
                .isEqualTo("leaves 3 training and 0 validation rows; both need at least one");

        // a class column with a value between its smallest and largest that is not a class id
        String halves = created(upload("/datasets?name=halves", "text/csv", bytes(IRIS_HEADER
                + "\n5.1,3.5,1.4,0.2,0\n7.0,3.2,4.7,1.4,0.5\n6.3,3.3,6.0,2.5,2\n"))).get("id").asString();
        assertThat(reason(assertProblem(post("/train", obj("modelId", fits, "datasetId", halves)), 400, "invalid-request", "datasetId"),
                "datasetId")).isEqualTo("dataset 'halves', column 'species': must be a class id 0..2 (the output layer has 3 units), "
                + "got values that are not whole numbers");
        // one column per class whose rows cannot all be distributions: their means do not sum to 1
        String notDistributions = created(upload("/datasets?name=one-hot&target=p0&target=p1&target=p2", "text/csv",
                bytes("a,b,c,d,p0,p1,p2\n1,2,3,4,1,0,0\n1,2,3,4,0,0,0\n1,2,3,4,0,0,1\n"))).get("id").asString();
        assertThat(reason(assertProblem(post("/train", obj("modelId", fits, "datasetId", notDistributions)), 400,
                "invalid-request", "datasetId"), "datasetId")).startsWith("dataset 'one-hot', target columns [p0, p1, p2]: "
                + "must be a distribution over the 3 classes in every row (non-negative, summing to 1), sums to 0.666");
        assertThat(get("/jobs?modelId=" + fits).json().get("totalItems").asLong()).isZero();
    }

    @Test
    void aDatasetCannotBeDeletedWhileAQueuedOrRunningJobReadsIt() {
        TestData.Table iris = TestData.load("iris/iris.csv");
        String trainId = created(upload("/datasets", "text/csv", bytes(csv(iris)))).get("id").asString();
        String validationId = created(upload("/datasets", "text/csv", bytes(csv(iris)))).get("id").asString();
        String modelId = createModel(4, "cross_entropy", 1, layer(3, "softmax")).get("id").asString();

        // the only worker runs a long job on the training set; a second job waits, validated on the other set
        String running = train(obj("modelId", modelId, "datasetId", trainId, "epochs", MAX_EPOCHS, "batchSize", 1)).get("id").asString();
        awaitRunning(running);
        String queued = train(obj("modelId", modelId, "datasetId", trainId, "validationDatasetId", validationId, "epochs", 1))
                .get("id").asString();
        assertThat(status(job(queued))).isEqualTo("QUEUED");
        // neither job holds a copy of its rows: the queued one has no files at all, the running one its checkpoints
        Path jobs = properties.dataDir().resolve("jobs");
        assertThat(jobs.resolve(queued)).doesNotExist();
        assertThat(filesOf(jobs.resolve(running))).allMatch(name -> name.startsWith("checkpoint-"));

        assertProblem(delete("/datasets/" + trainId), 409, "dataset-in-use");
        assertProblem(delete("/datasets/" + validationId), 409, "dataset-in-use");
        assertThat(get("/datasets/" + trainId).status()).isEqualTo(200);

        post("/jobs/" + queued + "/cancel", "");
        assertThat(status(awaitEnd(queued, Duration.ofSeconds(20)))).isEqualTo("CANCELLED");
        assertThat(delete("/datasets/" + validationId).status()).isEqualTo(204);
        assertProblem(delete("/datasets/" + trainId), 409, "dataset-in-use");

        post("/jobs/" + running + "/cancel", "");
        assertThat(status(awaitEnd(running, Duration.ofSeconds(20)))).isEqualTo("CANCELLED");
        assertThat(delete("/datasets/" + trainId).status()).isEqualTo(204);
        assertProblem(get("/datasets/" + trainId), 404, "not-found");
    }

    @Test
    void aJobWhoseDatasetCannotBeReadWhenItRunsFailsNamingTheDataset() throws IOException {
        String csv = csv(TestData.load("iris/iris.csv"));
        String damaged = created(upload("/datasets?name=damaged", "text/csv", bytes(csv))).get("id").asString();
        String missing = created(upload("/datasets?name=missing", "text/csv", bytes(csv))).get("id").asString();
        String fine = created(upload("/datasets?name=fine", "text/csv", bytes(csv))).get("id").asString();
        String modelId = createModel(4, "cross_entropy", 1, layer(3, "softmax")).get("id").asString();

        // one bit of the first row's first value flipped: the file still opens, its rows fail their checksum
        Path damagedFile = properties.dataDir().resolve("datasets").resolve(damaged + ".bin");
        byte[] bytes = Files.readAllBytes(damagedFile);
        int headerLength = (bytes[18] & 0xff) | (bytes[19] & 0xff) << 8 | (bytes[20] & 0xff) << 16 | (bytes[21] & 0xff) << 24;
        bytes[18 + 4 + headerLength] ^= 1;
        Files.write(damagedFile, bytes);
        Files.delete(properties.dataDir().resolve("datasets").resolve(missing + ".bin"));

        JsonNode onDamaged = awaitEnd(train(obj("modelId", modelId, "datasetId", damaged, "validationSplit", 0.2, "epochs", 2))
                .get("id").asString(), Duration.ofSeconds(60));
        assertThat(status(onDamaged)).isEqualTo("FAILED");
        assertThat(onDamaged.get("failureReason").asString()).startsWith("cannot read dataset 'damaged' (" + damaged + "): ")
                .contains("checksum");
        JsonNode onMissing = awaitEnd(train(obj("modelId", modelId, "datasetId", fine, "validationDatasetId", missing, "epochs", 2))
                .get("id").asString(), Duration.ofSeconds(60));
        assertThat(status(onMissing)).isEqualTo("FAILED");
        assertThat(onMissing.get("failureReason").asString())
                .isEqualTo("cannot read dataset 'missing' (" + missing + "): its file datasets/" + missing + ".bin is missing");

        // nothing else broke: the worker trains the next job, and the failed jobs no longer hold their datasets
        JsonNode onFine = awaitEnd(train(obj("modelId", modelId, "datasetId", fine, "epochs", 2)).get("id").asString(),
                Duration.ofSeconds(60));
        assertThat(status(onFine)).as("%s", onFine).isEqualTo("SUCCEEDED");
        assertThat(delete("/datasets/" + damaged).status()).isEqualTo(204);
    }

    @Test
    void targetsTheSummaryCannotSettleAreCheckedRowByRowWhenTheJobRuns() {
        // two log_loss target columns, each between 0 and 1, one value in them neither 0 nor 1: only the rows show it
        String id = created(upload("/datasets?name=yes-no&target=y1&target=y2", "text/csv",
                bytes("a,b,y1,y2\n1,2,0,1\n3,4,0.5,1\n5,6,1,0\n"))).get("id").asString();
        String modelId = createModel(2, "log_loss", 1, layer(2, "logistic")).get("id").asString();

        JsonNode end = awaitEnd(train(obj("modelId", modelId, "datasetId", id, "epochs", 2)).get("id").asString(),
                Duration.ofSeconds(60));

        assertThat(status(end)).isEqualTo("FAILED");
        assertThat(end.get("failureReason").asString()).isEqualTo("dataset 'yes-no' (" + id
                + ") does not fit the model: row 1, column 'y1': must be 0 or 1 for log_loss, got 0.5");
    }

    // ---- support -----------------------------------------------------------------------------------------------------

    /** The names of a directory's files; none when it does not exist. */
    static List<String> filesOf(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final int MAX_EPOCHS = 10_000;

    /** The rows of the datasets table and the files of datasets/ and tmp/, to show an upload left nothing. */
    record Stored(long rows, TreeSet<String> files) {
    }

    Stored stored() {
        TreeSet<String> files = new TreeSet<>();
        for (String dir : List.of("datasets", "tmp")) {
            try (Stream<Path> list = Files.list(properties.dataDir().resolve(dir))) {
                // the servlet container's own multipart temp files (upload_*.tmp) go when their request ends
                list.map(p -> dir + "/" + p.getFileName()).filter(name -> !name.startsWith("tmp/upload_")).forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Stored(get("/datasets?size=1").json().get("totalItems").asLong(), files);
    }

    Reply upload(String path, String contentType, byte[] body) {
        return post(path, contentType, body);
    }

    /** A multipart/form-data POST: the part "file" (left out when fileName is null) and text fields, repeated per value. */
    Reply multipart(String path, String fileName, byte[] file, Map<String, List<String>> fields) {
        return multipart(path, fileName, file, fields, false);
    }

    Reply multipart(String path, String fileName, byte[] file, Map<String, List<String>> fields, boolean chunked) {
        String boundary = "----chainrule" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            for (Map.Entry<String, List<String>> field : new TreeMap<>(fields).entrySet()) {
                for (String value : field.getValue()) {
                    body.write(bytes("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n"
                            + value + "\r\n"));
                }
            }
            if (fileName != null) {
                body.write(bytes("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                        + "\"\r\nContent-Type: text/csv\r\n\r\n"));
                body.write(file);
                body.write(bytes("\r\n"));
            }
            body.write(bytes("--" + boundary + "--\r\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = body.toByteArray();
        return post(path, "multipart/form-data; boundary=" + boundary,
                chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))
                        : HttpRequest.BodyPublishers.ofByteArray(bytes));
    }

    static JsonNode created(Reply response) {
        assertThat(response.status()).as("POST /datasets %s", response.body()).isEqualTo(201);
        return response.json();
    }

    /** A 400 invalid-csv with this line, column (absent when null) and one error for this field. */
    static JsonNode assertBadCsv(Reply response, long line, String column, String field) {
        JsonNode problem = assertProblem(response, 400, "invalid-csv", field);
        assertThat(problem.get("line").asLong()).as("line of %s", response.body()).isEqualTo(line);
        if (column == null) {
            assertThat(problem.has("column")).as("column of %s", response.body()).isFalse();
        } else {
            assertThat(problem.path("column").asString()).as("column of %s", response.body()).isEqualTo(column);
        }
        assertThat(problem.get("errors").size()).isEqualTo(1);
        assertThat(reason(problem, field)).isEqualTo(problem.get("detail").asString());
        return problem;
    }

    static JsonNode assertTooLarge(Reply response) {
        JsonNode problem = assertProblem(response, 413, "payload-too-large");
        assertThat(problem.get("detail").asString()).contains(Integer.toString(MAX_BYTES), "chainrule.limits.max-dataset-size");
        return problem;
    }

    /**
     * Every column's min, max, mean and std against a two-pass computation in 50-digit decimals over the CSV's cells
     * (split on commas; the values rounded to float32 as the service stores them), features first, then targets.
     */
    static void assertStatistics(JsonNode dataset, String csv, List<String> targets) {
        List<String> lines = csv.lines().filter(l -> !l.isBlank()).toList();
        List<String> header = Arrays.asList(lines.get(0).split(","));
        List<String> order = new ArrayList<>(header.stream().filter(c -> !targets.contains(c)).toList());
        order.addAll(targets);
        JsonNode columns = dataset.get("columns");
        assertThat(columns.size()).isEqualTo(header.size());
        MathContext mc = new MathContext(50);
        for (int c = 0; c < order.size(); c++) {
            int index = header.indexOf(order.get(c));
            List<Float> values = lines.subList(1, lines.size()).stream().map(l -> Float.parseFloat(l.split(",")[index].strip())).toList();
            BigDecimal sum = BigDecimal.ZERO;
            for (float v : values) {
                sum = sum.add(new BigDecimal(v));
            }
            BigDecimal mean = sum.divide(BigDecimal.valueOf(values.size()), mc);
            BigDecimal squares = BigDecimal.ZERO;
            for (float v : values) {
                BigDecimal d = new BigDecimal(v).subtract(mean);
                squares = squares.add(d.multiply(d));
            }
            double std = squares.divide(BigDecimal.valueOf(values.size()), mc).sqrt(mc).doubleValue();
            JsonNode column = columns.get(c);
            assertThat(column.get("name").asString()).isEqualTo(order.get(c));
            assertThat(column.get("role").asString()).isEqualTo(targets.contains(order.get(c)) ? "target" : "feature");
            assertThat(column.get("mean").asDouble()).as("mean of %s", order.get(c)).isCloseTo(mean.doubleValue(), within(1e-12));
            assertThat(column.get("std").asDouble()).as("std of %s", order.get(c)).isCloseTo(std, within(1e-12));
            float min = values.stream().min(Float::compare).orElseThrow();
            float max = values.stream().max(Float::compare).orElseThrow();
            assertThat(column.get("min").asDouble()).as("min of %s", order.get(c)).isEqualTo(Double.parseDouble(Float.toString(min)));
            assertThat(column.get("max").asDouble()).as("max of %s", order.get(c)).isEqualTo(Double.parseDouble(Float.toString(max)));
        }
    }

    /** A CSV of the table: iris's header, its features and its class ids. */
    static String csv(TestData.Table table) {
        StringBuilder out = new StringBuilder(IRIS_HEADER).append('\n');
        for (int r = 0; r < table.rows(); r++) {
            for (double v : table.features()[r]) {
                out.append(v).append(',');
            }
            out.append(table.labels()[r]).append('\n');
        }
        return out.toString();
    }

    /** A header of {@code columns} columns c1..cN and two rows. */
    static String wide(int columns) {
        StringBuilder out = new StringBuilder();
        for (int row = 0; row < 3; row++) {
            for (int c = 1; c <= columns; c++) {
                out.append(c == 1 ? "" : ",").append(row == 0 ? "c" + c : Integer.toString(row * c));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** A valid CSV of about {@code bytes} bytes: four numeric columns, the last a class id. */
    static String wideRows(int bytes) {
        StringBuilder out = new StringBuilder("a,b,c,label\n");
        for (int r = 0; out.length() < bytes; r++) {
            out.append(r).append(",0.25,").append(r % 100).append(',').append(r % 3).append('\n');
        }
        return out.toString();
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] gzip(byte[] data) {
        return TestHttp.gzip(data);
    }
}
