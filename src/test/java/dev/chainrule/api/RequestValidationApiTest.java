package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.api.prediction.PredictRequestConverter;
import dev.chainrule.api.prediction.PredictRequestJson;
import dev.chainrule.testhttp.Reply;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import tools.jackson.databind.JsonNode;

/**
 * Every kind of bad request gets the right status and an RFC 9457 problem naming what to fix, every limit
 * holds exactly at its edge (at the limit accepted, one past it refused naming the field and the property),
 * and after all of it the service still answers and the models it had are untouched.
 */
@ConstrainedService
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RequestValidationApiTest extends ApiTestSupport {
    static final double[][] FIVE_IRIS = {{5.1, 3.5, 1.4, 0.2}, {7.0, 3.2, 4.7, 1.4}, {6.3, 3.3, 6.0, 2.5},
            {5.9, 3.0, 5.1, 1.8}, {4.9, 3.0, 1.4, 0.2}};

    @Autowired
    RequestMappingHandlerAdapter mvc;

    /** Trained before everything else; must come out of the bad requests unchanged. */
    String reference;
    JsonNode referenceBefore;
    JsonNode referencePredictions;
    /** Untrained definitions with two inputs, one per loss. */
    String classes3;
    String binary;
    String regression;

    @BeforeAll
    void defineAndTrainReferenceModel() {
        TestData.Table iris = TestData.load("iris/iris.csv");
        reference = createModel(4, "cross_entropy", 1, layer(3, "softmax")).get("id").asString();
        JsonNode end = awaitEnd(train(obj("modelId", reference, "data", data(iris.features(), iris.labels()),
                "epochs", 5, "batchSize", 16)).get("id").asString(), Duration.ofSeconds(30));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        referenceBefore = get("/models/" + reference).json();
        referencePredictions = post("/models/" + reference + "/predict", obj("instances", FIVE_IRIS)).json();
        classes3 = createModel(2, "cross_entropy", 0, layer(4, "relu"), layer(3, "softmax")).get("id").asString();
        binary = createModel(2, "log_loss", 0, layer(1, "logistic")).get("id").asString();
        regression = createModel(2, "squared_error", 0, layer(1, "linear")).get("id").asString();
    }

    Reply postModel(Object body) {
        return post("/models", body);
    }

    /** A valid two-input definition with one field replaced (or removed when the value is null). */
    Map<String, Object> definition(String field, Object value) {
        Map<String, Object> body = obj("inputWidth", 2, "layers", List.of(layer(4, "relu"), layer(1, "linear")),
                "loss", "squared_error");
        if (value == null) {
            body.remove(field);
        } else {
            body.put(field, value);
        }
        return body;
    }

    Map<String, Object> trainOn(String modelId, Object features, Object targets) {
        return obj("modelId", modelId, "data", data(features, targets), "epochs", 1);
    }

    static final double[][] TWO_ROWS = {{0, 1}, {1, 0}};

    @Test
    void malformedJsonIsRefusedAsMalformed() {
        assertProblem(post("/models", "{\"inputWidth\": 2, \"layers\": ["), 400, "malformed-json");
        assertProblem(post("/models", "{inputWidth: 2}"), 400, "malformed-json");
        assertProblem(post("/train", "{\"modelId\": \"" + regression + "\", \"data\": {\"features\": [[1, 2]] \"targets\": [1]}}"),
                400, "malformed-json");
        assertProblem(post("/models/" + reference + "/predict", "{\"instances\": [[1, 2, 3, 4]],}"), 400, "malformed-json");
        assertProblem(post("/models", ""), 400, "malformed-json");
        // a JSON value that is not the object the endpoint expects
        assertProblem(post("/models", "[1, 2]"), 400, "invalid-request", "(body)");
    }

    @Test
    void aNameAndDescriptionLongerThanTheirColumnsAreRefusedAtTheEdge() {
        String name200 = "n".repeat(200);
        String description2000 = "d".repeat(2000);
        Map<String, Object> longest = definition("name", name200);
        longest.put("description", description2000);
        Reply created = postModel(longest);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(get("/models/" + created.json().get("id").asString()).json().get("name").asString()).isEqualTo(name200);

        Map<String, Object> tooLong = definition("name", name200 + "n");
        tooLong.put("description", description2000 + "d");
        JsonNode problem = assertProblem(postModel(tooLong), 400, "invalid-request", "name", "description");
        assertThat(reason(problem, "name")).isEqualTo("must be at most 200 characters, got 201");
        assertThat(reason(problem, "description")).isEqualTo("must be at most 2000 characters, got 2001");
    }

    @Test
    void wrongTypesAreRefusedNamingTheField() {
        JsonNode problem = assertProblem(postModel(definition("inputWidth", "four")), 400, "invalid-request", "inputWidth");
        assertThat(reason(problem, "inputWidth")).isEqualTo("must be an integer");
        // no coercion: a number in a string is a client bug, not something to guess at
        assertProblem(postModel(definition("inputWidth", "4")), 400, "invalid-request", "inputWidth");
        // nor truncation: 2.5 where an integer belongs is refused, not read as 2
        problem = assertProblem(postModel(definition("inputWidth", 2.5)), 400, "invalid-request", "inputWidth");
        assertThat(reason(problem, "inputWidth")).isEqualTo("must be an integer");
        assertProblem(postModel(definition("layers", "dense")), 400, "invalid-request", "layers");
        assertProblem(postModel(definition("layers", List.of(obj("units", "4", "activation", "relu")))), 400,
                "invalid-request", "layers[0].units");
        assertProblem(postModel(definition("loss", 3)), 400, "invalid-request", "loss");
        assertProblem(postModel(definition("seed", "one")), 400, "invalid-request", "seed");
        // valid JSON, but the number does not fit the field
        problem = assertProblem(post("/models", "{\"inputWidth\": 99999999999, \"layers\": [{\"units\": 1, \"activation\": \"linear\"}], "
                + "\"loss\": \"squared_error\"}"), 400, "invalid-request", "inputWidth");
        assertThat(reason(problem, "inputWidth")).contains("out of range");
        assertProblem(post("/models", "{\"inputWidth\": 1, \"layers\": [{\"units\": -99999999999, \"activation\": \"linear\"}], "
                + "\"loss\": \"squared_error\"}"), 400, "invalid-request", "layers[0].units");
        assertProblem(post("/models", "{\"inputWidth\": 1, \"layers\": [{\"units\": 1, \"activation\": \"linear\"}], "
                + "\"loss\": \"squared_error\", \"seed\": 99999999999999999999999}"), 400, "invalid-request", "seed");

        problem = assertProblem(post("/train", trainOn(regression, List.of(List.of(0, 1), List.of(1, "1.5")), List.of(1, 2))),
                400, "invalid-request", "data.features[1][1]");
        assertThat(reason(problem, "data.features[1][1]")).isEqualTo("must be a number");
        problem = assertProblem(post("/train", trainOn(regression, List.of(1, 2), List.of(1, 2))), 400, "invalid-request", "data.features[0]");
        assertThat(reason(problem, "data.features[0]")).isEqualTo("must be an array");
        problem = assertProblem(post("/train", trainOn(regression, List.of(List.of(0, true)), List.of(1))), 400, "invalid-request",
                "data.features[0][1]");
        assertThat(reason(problem, "data.features[0][1]")).isEqualTo("must be a number");
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)), "epochs", "3")),
                400, "invalid-request", "epochs");
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)), "epochs", 2.5)),
                400, "invalid-request", "epochs");
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)), "validationSplit", "0.5")),
                400, "invalid-request", "validationSplit");
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)), "standardize", "yes")),
                400, "invalid-request", "standardize");
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)),
                "optimizer", obj("learningRate", "0.1"))), 400, "invalid-request", "optimizer.learningRate");
        assertProblem(post("/train", trainOn(regression, TWO_ROWS, List.of(1, "2"))), 400, "invalid-request", "data.targets[1]");
        assertProblem(post("/train", trainOn(classes3, TWO_ROWS, List.of(0, "one"))), 400, "invalid-request", "data.targets[1]");
        assertProblem(post("/models/" + reference + "/predict", obj("instances", List.of(FIVE_IRIS[0], List.of("1.5", 1, 1, 1)))),
                400, "invalid-request", "instances[1][0]");
        assertProblem(post("/models/" + reference + "/predict", obj("instances", FIVE_IRIS, "version", "1")),
                400, "invalid-request", "version");
        assertProblem(post("/models/" + reference + "/predict", obj("instances", FIVE_IRIS, "version", 1.5)),
                400, "invalid-request", "version");
    }

    @Test
    void aNullWhereANumberBelongsIsRefusedNotReadAsZero() {
        JsonNode problem = assertProblem(post("/train", trainOn(regression, Arrays.asList(List.of(0, 1), Arrays.asList(1, null)),
                List.of(1, 2))), 400, "invalid-request", "data.features[1][1]");
        assertThat(reason(problem, "data.features[1][1]")).isEqualTo("must be a number");
        assertProblem(post("/models/" + reference + "/predict", obj("instances", List.of(Arrays.asList(5.1, null, 1.4, 0.2)))),
                400, "invalid-request", "instances[0][1]");
        assertProblem(post("/train", trainOn(regression, TWO_ROWS, Arrays.asList(1, null))), 400, "invalid-request", "data.targets[1]");
        assertProblem(post("/train", trainOn(regression, Arrays.asList(List.of(0, 1), null), List.of(1, 2))),
                400, "invalid-request", "data.features[1]");
    }

    @Test
    void missingFieldsAreNamed() {
        JsonNode problem = assertProblem(postModel(Map.of()), 400, "invalid-request", "inputWidth", "layers", "loss");
        assertThat(problem.get("errors").size()).isEqualTo(3);
        assertProblem(postModel(definition("layers", List.of(obj("units", 4)))), 400, "invalid-request", "layers[0].activation");
        assertProblem(postModel(definition("layers", List.of(obj("activation", "linear")))), 400, "invalid-request", "layers[0].units");
        assertProblem(postModel(definition("layers", List.of())), 400, "invalid-request", "layers");

        assertProblem(post("/train", Map.of()), 400, "invalid-request", "modelId");
        assertProblem(post("/train", obj("modelId", regression)), 400, "invalid-request", "data");
        assertProblem(post("/train", obj("modelId", regression, "data", obj("features", TWO_ROWS))), 400, "invalid-request", "data.targets");
        assertProblem(post("/train", obj("modelId", regression, "data", obj("targets", List.of(1, 2)))), 400, "invalid-request", "data.features");
        assertProblem(post("/train", trainOn(regression, new double[0][], List.of())), 400, "invalid-request", "data.features");

        assertProblem(post("/models/" + reference + "/predict", Map.of()), 400, "invalid-request", "instances");
        assertProblem(post("/models/" + reference + "/input-gradients", obj("instances", FIVE_IRIS)), 400, "invalid-request", "targets");
    }

    @Test
    void nonFiniteNumbersAreRefused() {
        String features = "{\"modelId\": \"" + regression + "\", \"epochs\": 1, \"data\": {\"features\": [[0, 1], [1, %s]], \"targets\": [1, %s]}}";
        // NaN and Infinity are not JSON
        assertProblem(post("/train", features.formatted("NaN", "2")), 400, "malformed-json");
        assertProblem(post("/train", features.formatted("Infinity", "2")), 400, "malformed-json");
        assertProblem(post("/models/" + reference + "/predict", "{\"instances\": [[NaN, 1, 1, 1]]}"), 400, "malformed-json");
        // 1e999 is JSON but overflows to Infinity; 1e39 is finite but past float32
        JsonNode problem = assertProblem(post("/train", features.formatted("1e999", "2")), 400, "invalid-request", "data.features[1][1]");
        assertThat(reason(problem, "data.features[1][1]")).contains("finite");
        assertProblem(post("/train", features.formatted("-1e999", "2")), 400, "invalid-request", "data.features[1][1]");
        assertProblem(post("/train", features.formatted("1e39", "2")), 400, "invalid-request", "data.features[1][1]");
        assertProblem(post("/train", features.formatted("1", "1e999")), 400, "invalid-request", "data.targets[1]");
        assertProblem(post("/models/" + reference + "/predict", "{\"instances\": [[1, 1, 1, 1], [1, -1e999, 1, 1]]}"),
                400, "invalid-request", "instances[1][1]");
        assertProblem(post("/train", "{\"modelId\": \"" + regression + "\", \"data\": {\"features\": [[0, 1]], \"targets\": [1]}, "
                + "\"l2\": 1e999}"), 400, "invalid-request", "l2");
    }

    @Test
    void rowsOfTheWrongWidthAreNamed() {
        assertProblem(post("/train", trainOn(regression, List.of(List.of(0, 1), List.of(1, 2, 3)), List.of(1, 2))),
                400, "invalid-request", "data.features[1]");
        assertProblem(post("/train", trainOn(regression, List.of(List.of(0, 1), List.of()), List.of(1, 2))),
                400, "invalid-request", "data.features[1]");
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)),
                "validation", data(List.of(List.of(1, 2, 3, 4, 5)), List.of(1)))), 400, "invalid-request", "validation.features[0]");
        assertProblem(post("/train", trainOn(regression, TWO_ROWS, List.of(1, 2, 3))), 400, "invalid-request", "data.targets");
        assertProblem(post("/train", trainOn(regression, TWO_ROWS, List.of(List.of(1, 2), List.of(1, 2)))),
                400, "invalid-request", "data.targets[0]");
        assertProblem(post("/models/" + reference + "/predict", obj("instances", List.of(FIVE_IRIS[0], List.of(1, 2, 3)))),
                400, "invalid-request", "instances[1]");
        assertProblem(post("/models/" + reference + "/input-gradients", obj("instances", FIVE_IRIS, "targets", List.of(0, 1))),
                400, "invalid-request", "targets");
    }

    @Test
    void labelsMustFitTheLoss() {
        // cross_entropy with 3 classes: class ids 0..2, whole numbers
        for (Object bad : List.of(3, -1, 1.5, 2.0001)) {
            JsonNode problem = assertProblem(post("/train", trainOn(classes3, TWO_ROWS, List.of(0, bad))), 400,
                    "invalid-request", "data.targets[1]");
            assertThat(reason(problem, "data.targets[1]")).contains("0..2");
        }
        assertThat(post("/train", trainOn(classes3, TWO_ROWS, List.of(0, 2.0))).status()).as("2.0 is class 2").isEqualTo(202);
        assertProblem(post("/train", trainOn(classes3, TWO_ROWS, List.of(0, List.of(0, 1)))), 400, "invalid-request", "data.targets[1]");
        assertProblem(post("/train", trainOn(classes3, TWO_ROWS, List.of(0, List.of(0.5, 0.6, 0)))), 400, "invalid-request", "data.targets[1]");
        assertProblem(post("/train", trainOn(classes3, TWO_ROWS, List.of(0, List.of(1.5, -0.5, 0)))), 400, "invalid-request", "data.targets[1][0]");
        assertProblem(post("/models/" + reference + "/input-gradients", obj("instances", FIVE_IRIS, "targets", List.of(0, 1, 2, 3, 0))),
                400, "invalid-request", "targets[3]");

        // log_loss: 0 or 1 only
        for (Object bad : List.of(2, 0.5, -1)) {
            JsonNode problem = assertProblem(post("/train", trainOn(binary, TWO_ROWS, List.of(bad, 1))), 400,
                    "invalid-request", "data.targets[0]");
            assertThat(reason(problem, "data.targets[0]")).contains("0 or 1");
        }
        assertThat(post("/train", trainOn(binary, TWO_ROWS, List.of(0, 1))).status()).isEqualTo(202);
    }

    @Test
    void unknownNamesAreRefusedNamingTheField() {
        JsonNode problem = assertProblem(postModel(definition("layers", List.of(layer(4, "swish"), layer(1, "linear")))),
                400, "invalid-request", "layers[0].activation");
        assertThat(reason(problem, "layers[0].activation")).contains("swish");
        assertProblem(postModel(definition("loss", "hinge")), 400, "invalid-request", "loss");
        assertProblem(postModel(definition("initialiser", "lecun")), 400, "invalid-request", "initialiser");
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)),
                "optimizer", obj("type", "rmsprop"))), 400, "invalid-request", "optimizer.type");
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)),
                "initialization", "warm")), 400, "invalid-request", "initialization");
        // every problem of one request at once
        Map<String, Object> many = obj("inputWidth", 0, "layers", List.of(layer(0, "swish")), "loss", "hinge", "initialiser", "lecun");
        assertThat(errorFields(assertProblem(postModel(many), 400, "invalid-request")))
                .containsExactlyInAnyOrder("inputWidth", "layers[0].units", "layers[0].activation", "loss", "initialiser");
    }

    @Test
    void widthsMustBePositive() {
        assertProblem(postModel(definition("inputWidth", 0)), 400, "invalid-request", "inputWidth");
        assertProblem(postModel(definition("inputWidth", -3)), 400, "invalid-request", "inputWidth");
        assertProblem(postModel(definition("layers", List.of(layer(0, "relu"), layer(1, "linear")))), 400, "invalid-request", "layers[0].units");
        assertProblem(postModel(definition("layers", List.of(layer(4, "relu"), layer(-1, "linear")))), 400, "invalid-request", "layers[1].units");
    }

    @Test
    void theOutputLayerMustFitTheLoss() {
        assertProblem(postModel(obj("inputWidth", 2, "layers", List.of(layer(4, "relu"), layer(3, "linear")), "loss", "cross_entropy")),
                400, "invalid-request", "layers[1]");
        assertProblem(postModel(obj("inputWidth", 2, "layers", List.of(layer(1, "softmax")), "loss", "cross_entropy")),
                400, "invalid-request", "layers[0]");
        assertProblem(postModel(obj("inputWidth", 2, "layers", List.of(layer(4, "relu"), layer(1, "linear")), "loss", "log_loss")),
                400, "invalid-request", "layers[1]");
        assertProblem(postModel(obj("inputWidth", 2, "layers", List.of(layer(2, "softmax")), "loss", "log_loss")),
                400, "invalid-request", "layers[0]");
        assertProblem(postModel(obj("inputWidth", 2, "layers", List.of(layer(3, "softmax")), "loss", "squared_error")),
                400, "invalid-request", "layers[0]");
        JsonNode problem = assertProblem(postModel(obj("inputWidth", 2, "layers", List.of(layer(4, "softmax"), layer(3, "softmax")),
                "loss", "cross_entropy")), 400, "invalid-request", "layers[0]");
        assertThat(reason(problem, "layers[0]")).contains("softmax");
    }

    @Test
    void layerWidthLimitHoldsAtItsEdge() {
        assertThat(createModel(obj("inputWidth", MAX_LAYER_WIDTH, "layers", List.of(layer(1, "linear")), "loss", "squared_error"))
                .get("inputWidth").asInt()).isEqualTo(MAX_LAYER_WIDTH);
        JsonNode problem = assertProblem(postModel(obj("inputWidth", MAX_LAYER_WIDTH + 1, "layers", List.of(layer(1, "linear")),
                "loss", "squared_error")), 400, "invalid-request", "inputWidth");
        assertThat(reason(problem, "inputWidth")).contains("chainrule.limits.max-layer-width").contains("" + MAX_LAYER_WIDTH);

        assertThat(createModel(obj("inputWidth", 1, "layers", List.of(layer(MAX_LAYER_WIDTH, "relu"), layer(1, "linear")),
                "loss", "squared_error")).get("layers").get(0).get("units").asInt()).isEqualTo(MAX_LAYER_WIDTH);
        problem = assertProblem(postModel(obj("inputWidth", 1, "layers", List.of(layer(MAX_LAYER_WIDTH + 1, "relu"), layer(1, "linear")),
                "loss", "squared_error")), 400, "invalid-request", "layers[0].units");
        assertThat(reason(problem, "layers[0].units")).contains("chainrule.limits.max-layer-width");
    }

    @Test
    void layerCountLimitHoldsAtItsEdge() {
        List<Map<String, Object>> layers = new ArrayList<>();
        for (int i = 0; i < MAX_LAYERS - 1; i++) {
            layers.add(layer(2, "tanh"));
        }
        layers.add(layer(1, "linear"));
        assertThat(createModel(obj("inputWidth", 2, "layers", layers, "loss", "squared_error")).get("layers").size()).isEqualTo(MAX_LAYERS);
        layers.add(0, layer(2, "tanh"));
        JsonNode problem = assertProblem(postModel(obj("inputWidth", 2, "layers", layers, "loss", "squared_error")),
                400, "invalid-request", "layers");
        assertThat(reason(problem, "layers")).contains("chainrule.limits.max-layers");
    }

    @Test
    void parameterLimitHoldsAtItsEdge() {
        // (49 + 1) x 10 = 500 parameters: exactly the limit
        JsonNode atLimit = createModel(obj("inputWidth", 49, "layers", List.of(layer(10, "linear")), "loss", "squared_error"));
        assertThat(atLimit.get("parameterCount").asLong()).isEqualTo(MAX_PARAMETERS);
        // (48 + 1) x 10 + (10 + 1) x 1 = 501: one over
        JsonNode problem = assertProblem(postModel(obj("inputWidth", 48, "layers", List.of(layer(10, "tanh"), layer(1, "linear")),
                "loss", "squared_error")), 400, "invalid-request", "layers");
        assertThat(reason(problem, "layers")).contains("501").contains("chainrule.limits.max-parameters");
    }

    @Test
    void inlineRowLimitHoldsAtItsEdge() {
        double[][] x = new double[MAX_INLINE_ROWS + 1][];
        double[] y = new double[MAX_INLINE_ROWS + 1];
        for (int i = 0; i < x.length; i++) {
            x[i] = new double[] {i % 7, i % 3};
            y[i] = i % 5;
        }
        double[][] atLimit = Arrays.copyOf(x, MAX_INLINE_ROWS);
        double[] yAtLimit = Arrays.copyOf(y, MAX_INLINE_ROWS);
        JsonNode job = train(obj("modelId", regression, "data", data(atLimit, yAtLimit), "epochs", 1, "batchSize", MAX_INLINE_ROWS));
        assertThat(status(awaitEnd(job.get("id").asString(), Duration.ofSeconds(20)))).isEqualTo("SUCCEEDED");

        JsonNode problem = assertProblem(post("/train", obj("modelId", regression, "data", data(x, y), "epochs", 1)),
                400, "invalid-request", "data.features");
        assertThat(reason(problem, "data.features")).contains("chainrule.limits.max-inline-rows").contains("" + (MAX_INLINE_ROWS + 1));
        problem = assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)), "epochs", 1,
                "validation", data(x, y))), 400, "invalid-request", "validation.features");
        assertThat(reason(problem, "validation.features")).contains("chainrule.limits.max-inline-rows");
    }

    /** Rows as little-endian float32 values back to back, as a float32 predict body. */
    static byte[] float32(double[]... rows) {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(rows.length * rows[0].length * Float.BYTES)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (double[] row : rows) {
            for (double v : row) {
                buffer.putFloat((float) v);
            }
        }
        return buffer.array();
    }

    Reply postFloat32(String path, byte[] body) {
        return send(java.net.http.HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/octet-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /**
     * The plain-shape reader and Jackson (which reads every other body) answer alike: the same rows written in
     * shapes only Jackson reads, or in UTF-16, predict exactly what the plain body predicts.
     */
    @Test
    void jsonBodiesOutsideThePlainShapePredictWhatThePlainBodyPredicts() {
        List<Class<?>> converters = mvc.getMessageConverters().stream().<Class<?>>map(Object::getClass).toList();
        assertThat(converters.indexOf(PredictRequestConverter.class)).as("read first: %s", converters).isNotNegative()
                .isLessThan(converters.indexOf(org.springframework.http.converter.json.JacksonJsonHttpMessageConverter.class));
        String rows = JSON.writeValueAsString(FIVE_IRIS);
        String predict = "/models/" + reference + "/predict";
        assertThat(PredictRequestJson.read(("{\"instances\":" + rows + "}").getBytes(StandardCharsets.UTF_8))).isNotNull();
        for (String body : List.of(
                "{\"\\u0069nstances\": " + rows + "}", // an escaped field name
                "\uFEFF{\"instances\": " + rows + "}", // a byte-order mark
                " {\n  \"version\" : null,\n  \"instances\" : " + rows.replace(",", " ,\n ") + "\n}\n")) {
            Reply answer = postBytes(predict, body.getBytes(StandardCharsets.UTF_8));
            assertThat(answer.status()).as(body + " -> " + answer.body()).isEqualTo(200);
            assertThat(answer.json()).as(body).isEqualTo(referencePredictions);
        }
        Reply utf16 = send(java.net.http.HttpRequest.newBuilder(uri(predict))
                .header("Content-Type", "application/json;charset=UTF-16")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(("{\"instances\":" + rows + "}")
                        .getBytes(StandardCharsets.UTF_16))));
        assertThat(utf16.status()).as(utf16.body()).isEqualTo(200);
        assertThat(utf16.json()).isEqualTo(referencePredictions);
    }

    @Test
    void float32RowsPredictExactlyWhatTheSameJsonRowsPredict() {
        Reply binary = postFloat32("/models/" + reference + "/predict", float32(FIVE_IRIS));
        assertThat(binary.status()).as(binary.body()).isEqualTo(200);
        assertThat(binary.json()).isEqualTo(referencePredictions);
        Reply pinned = postFloat32("/models/" + reference + "/predict?version=1", float32(FIVE_IRIS));
        assertThat(pinned.json()).isEqualTo(referencePredictions); // version 1 is the latest

        Reply dryRun = postFloat32("/models/" + reference + "/predict/dry-run", float32(FIVE_IRIS));
        assertThat(dryRun.status()).as(dryRun.body()).isEqualTo(200);
        assertThat(dryRun.json().get("instances").asInt()).isEqualTo(5);
        assertThat(dryRun.json().get("task").asString()).isEqualTo("classification");
    }

    @Test
    void float32BodiesThatDoNotFitTheModelAreRefusedNamingTheBody() {
        String predict = "/models/" + reference + "/predict";
        byte[] fiveRows = float32(FIVE_IRIS);
        JsonNode problem = assertProblem(postFloat32(predict, Arrays.copyOf(fiveRows, fiveRows.length - 4)),
                400, "invalid-request", "body");
        assertThat(reason(problem, "body")).contains("76 bytes").contains("rows of 4 float32 values").contains("16 bytes a row");
        problem = assertProblem(postFloat32(predict, new byte[0]), 400, "invalid-request", "body");
        assertThat(reason(problem, "body")).contains("at least one row");
        assertProblem(postFloat32(predict, float32(new double[] {1, 2, Double.NaN, 4}, new double[] {1, 2, 3, Double.POSITIVE_INFINITY})),
                400, "invalid-request", "body[0][2]", "body[1][3]");

        double[][] rows = new double[MAX_PREDICT_ROWS + 1][];
        Arrays.fill(rows, FIVE_IRIS[0]);
        assertThat(postFloat32(predict, float32(Arrays.copyOf(rows, MAX_PREDICT_ROWS))).status()).isEqualTo(200);
        problem = assertProblem(postFloat32(predict, float32(rows)), 400, "invalid-request", "body");
        assertThat(reason(problem, "body")).contains("chainrule.limits.max-predict-rows");

        assertProblem(postFloat32("/models/" + reference + "/predict?version=99", fiveRows), 404, "not-found");

        // the body has no shape: 2 rows of 2 values fill one row of 4; with rows=2 said, that is refused
        byte[] twoByTwo = float32(new double[] {5.1, 3.5}, new double[] {1.4, 0.2});
        assertThat(postFloat32(predict, twoByTwo).json().get("predictions").size()).as("without rows: one row of 4").isEqualTo(1);
        problem = assertProblem(postFloat32(predict + "?rows=2", twoByTwo), 400, "invalid-request", "rows");
        assertThat(reason(problem, "rows")).isEqualTo("is 2, but the body holds 1 row of 4 float32 values (the model's inputWidth; 16 bytes)");
        assertProblem(postFloat32("/models/" + reference + "/predict/dry-run?rows=2", twoByTwo), 400, "invalid-request", "rows");
        Reply counted = postFloat32(predict + "?rows=5", fiveRows);
        assertThat(counted.status()).as(counted.body()).isEqualTo(200);
        assertThat(counted.json()).isEqualTo(referencePredictions);
        assertProblem(send(java.net.http.HttpRequest.newBuilder(uri(predict)).header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("5.1 3.5 1.4 0.2"))), 415, "unsupported-media-type");
        assertThat(get("/models/" + reference).json()).isEqualTo(referenceBefore);
    }

    @Test
    void aPredictBodyWithoutContentTypeIsRefusedNotReadAsFloat32() {
        // JSON text padded to 48 bytes: three whole rows of 4 float32 values if it were read as such
        String json = "{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}";
        json += " ".repeat(48 - json.length());
        for (String path : new String[] {"/models/" + reference + "/predict", "/models/" + reference + "/predict/dry-run"}) {
            Reply response = send(java.net.http.HttpRequest.newBuilder(uri(path))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)));
            JsonNode problem = assertProblem(response, 415, "unsupported-media-type");
            assertThat(problem.get("detail").asString()).as(path).contains("Content-Type");
        }
        assertProblem(postFloat32("/models/" + reference + "/predict?version=One", float32(FIVE_IRIS)), 400,
                "invalid-request", "version");
        // a lowercase word is an alias's name: this model has no such alias
        assertProblem(postFloat32("/models/" + reference + "/predict?version=one", float32(FIVE_IRIS)), 404,
                "not-found", "version");
    }

    @Test
    void predictRowLimitHoldsAtItsEdge() {
        double[][] rows = new double[MAX_PREDICT_ROWS + 1][];
        int[] labels = new int[MAX_PREDICT_ROWS + 1];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = FIVE_IRIS[i % 5];
            labels[i] = i % 3;
        }
        double[][] atLimit = Arrays.copyOf(rows, MAX_PREDICT_ROWS);
        Reply ok = post("/models/" + reference + "/predict", obj("instances", atLimit));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().get("predictions").size()).isEqualTo(MAX_PREDICT_ROWS);
        JsonNode problem = assertProblem(post("/models/" + reference + "/predict", obj("instances", rows)), 400, "invalid-request", "instances");
        assertThat(reason(problem, "instances")).contains("chainrule.limits.max-predict-rows").contains("" + (MAX_PREDICT_ROWS + 1));

        Reply gradients = post("/models/" + reference + "/input-gradients",
                obj("instances", atLimit, "targets", Arrays.copyOf(labels, MAX_PREDICT_ROWS)));
        assertThat(gradients.status()).as(gradients.body()).isEqualTo(200);
        assertThat(gradients.json().get("gradients").size()).isEqualTo(MAX_PREDICT_ROWS);
        problem = assertProblem(post("/models/" + reference + "/input-gradients", obj("instances", rows, "targets", labels)),
                400, "invalid-request", "instances");
        assertThat(reason(problem, "instances")).contains("chainrule.limits.max-predict-rows");
    }

    @Test
    void epochLimitHoldsAtItsEdge() {
        JsonNode job = train(obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)), "epochs", MAX_EPOCHS));
        assertThat(job.get("epochs").asInt()).isEqualTo(MAX_EPOCHS);
        post("/jobs/" + job.get("id").asString() + "/cancel", "");
        awaitEnd(job.get("id").asString(), Duration.ofSeconds(10));
        JsonNode problem = assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)),
                "epochs", MAX_EPOCHS + 1)), 400, "invalid-request", "epochs");
        assertThat(reason(problem, "epochs")).contains("chainrule.limits.max-epochs").contains("" + MAX_EPOCHS);
        assertProblem(post("/train", obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)), "epochs", 0)),
                400, "invalid-request", "epochs");
    }

    @Test
    void hyperparametersOutOfBoundsAreNamed() {
        Map<String, Object> base = obj("modelId", regression, "data", data(TWO_ROWS, List.of(1, 2)), "epochs", 1);
        record Case(String field, Object value, String named) {
        }
        for (Case c : List.of(new Case("batchSize", 0, "batchSize"), new Case("l1", -0.1, "l1"), new Case("l2", -1, "l2"),
                new Case("optimizer", obj("learningRate", 0), "optimizer.learningRate"),
                new Case("optimizer", obj("learningRate", 10.5), "optimizer.learningRate"),
                new Case("optimizer", obj("type", "momentum", "momentum", 1), "optimizer.momentum"),
                new Case("optimizer", obj("beta2", 1.0), "optimizer.beta2"),
                new Case("earlyStopping", obj("patience", 0), "earlyStopping.patience"),
                new Case("fromVersion", 1, "fromVersion"))) {
            Map<String, Object> body = new java.util.LinkedHashMap<>(base);
            body.put(c.field(), c.value());
            assertProblem(post("/train", body), 400, "invalid-request", c.named());
        }
        // learning rate 10 is the edge of what is accepted (train asserts the 202); the job may well diverge, so
        // only its ending is awaited, to leave the worker free for the next test
        Map<String, Object> edge = new java.util.LinkedHashMap<>(base);
        edge.put("optimizer", obj("type", "sgd", "learningRate", 10));
        awaitEnd(train(edge).get("id").asString(), Duration.ofSeconds(10));
    }

    @Test
    void validationSettingsMustMakeSense() {
        double[][] ten = new double[10][];
        List<Integer> targets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ten[i] = new double[] {i, 10 - i};
            targets.add(i);
        }
        JsonNode problem = assertProblem(post("/train", obj("modelId", regression, "data", data(ten, targets),
                "earlyStopping", obj("patience", 2))), 400, "invalid-request", "earlyStopping");
        assertThat(reason(problem, "earlyStopping")).contains("validation");
        assertProblem(post("/train", obj("modelId", regression, "data", data(ten, targets), "validationSplit", 0.2,
                "validation", data(TWO_ROWS, List.of(1, 2)))), 400, "invalid-request", "validationSplit");
        for (double split : new double[] {0, 1, -0.2, 1.5}) {
            assertProblem(post("/train", obj("modelId", regression, "data", data(ten, targets), "validationSplit", split)),
                    400, "invalid-request", "validationSplit");
        }
        // 0.04 of 10 rows rounds to no validation row at all
        assertProblem(post("/train", obj("modelId", regression, "data", data(ten, targets), "validationSplit", 0.04)),
                400, "invalid-request", "validationSplit");
        // early stopping with a split, or with validation rows, is fine
        assertThat(status(awaitEnd(train(obj("modelId", regression, "data", data(ten, targets), "validationSplit", 0.2,
                "epochs", 3, "earlyStopping", obj("patience", 2))).get("id").asString(), Duration.ofSeconds(10)))).isEqualTo("SUCCEEDED");
        assertThat(status(awaitEnd(train(obj("modelId", regression, "data", data(ten, targets), "validation",
                data(TWO_ROWS, List.of(1, 2)), "epochs", 3, "earlyStopping", obj("patience", 2))).get("id").asString(),
                Duration.ofSeconds(10)))).isEqualTo("SUCCEEDED");
    }

    @Test
    void unknownIdsAre404() {
        String unknown = "00000000-0000-0000-0000-000000000000";
        assertProblem(get("/models/" + unknown), 404, "not-found");
        assertProblem(delete("/models/" + unknown), 404, "not-found");
        assertProblem(get("/jobs/" + unknown), 404, "not-found");
        assertProblem(post("/jobs/" + unknown + "/cancel", ""), 404, "not-found");
        assertProblem(send(HttpRequest.newBuilder(uri("/jobs/" + unknown + "/events")).header("Accept", "text/event-stream").GET()),
                404, "not-found");
        assertProblem(post("/train", trainOn(unknown, TWO_ROWS, List.of(1, 2))), 404, "not-found");
        assertProblem(post("/models/" + unknown + "/predict", obj("instances", TWO_ROWS)), 404, "not-found");
        assertProblem(post("/models/" + unknown + "/input-gradients", obj("instances", TWO_ROWS, "targets", List.of(1, 2))),
                404, "not-found");
    }

    @Test
    void untrainedModelsAndMissingVersions() {
        String untrained = createModel(2, "squared_error", 0, layer(1, "linear")).get("id").asString();
        assertProblem(post("/models/" + untrained + "/predict", obj("instances", TWO_ROWS)), 409, "model-not-trained");
        assertProblem(post("/models/" + untrained + "/predict", obj("instances", TWO_ROWS, "version", 1)), 409, "model-not-trained");
        assertProblem(post("/models/" + untrained + "/input-gradients", obj("instances", TWO_ROWS, "targets", List.of(1, 2))),
                409, "model-not-trained");
        assertProblem(post("/train", obj("modelId", untrained, "data", data(TWO_ROWS, List.of(1, 2)), "initialization", "continue")),
                409, "model-not-trained");

        assertProblem(post("/models/" + reference + "/predict", obj("instances", FIVE_IRIS, "version", 99)), 404, "not-found");
        assertProblem(post("/models/" + reference + "/predict", obj("instances", FIVE_IRIS, "version", 99)), 404, "not-found", "version");
        assertProblem(post("/models/" + reference + "/predict", obj("instances", FIVE_IRIS, "version", 0)), 400, "invalid-request", "version");
        assertProblem(post("/models/" + reference + "/input-gradients", obj("instances", FIVE_IRIS, "targets", List.of(0, 0, 0, 0, 0),
                "version", 99)), 404, "not-found");
        assertProblem(post("/train", obj("modelId", reference, "data", data(FIVE_IRIS, List.of(0, 1, 2, 2, 0)),
                "initialization", "continue", "fromVersion", 99)), 404, "not-found");
    }

    @Test
    void bodiesOverTheSizeLimitAre413WithContentLengthOrChunked() {
        byte[] atLimit = paddedModel(MAX_REQUEST_BYTES);
        byte[] overLimit = paddedModel(MAX_REQUEST_BYTES + 1);
        assertThat(atLimit).hasSize(MAX_REQUEST_BYTES);

        // with Content-Length: exactly the limit is read, one byte more is refused before reading
        assertThat(postBytes("/models", atLimit).status()).isEqualTo(201);
        JsonNode problem = assertProblem(postBytes("/models", overLimit), 413, "payload-too-large");
        assertThat(problem.get("detail").asString()).contains("chainrule.limits.max-request-size").contains("" + MAX_REQUEST_BYTES);

        // chunked (no Content-Length): counted while read
        assertThat(postChunked("/models", atLimit).status()).isEqualTo(201);
        problem = assertProblem(postChunked("/models", overLimit), 413, "payload-too-large");
        assertThat(problem.get("detail").asString()).contains("chainrule.limits.max-request-size");
        // a much larger chunked body is cut off as well, on another endpoint
        assertProblem(postChunked("/train", paddedModel(4 * MAX_REQUEST_BYTES)), 413, "payload-too-large");

        // predict bodies, which their own converter reads whole: the same edge, either way
        String predict = "/models/" + reference + "/predict";
        byte[] rowsAtLimit = paddedPredict(MAX_REQUEST_BYTES);
        byte[] rowsOverLimit = paddedPredict(MAX_REQUEST_BYTES + 1);
        assertThat(postBytes(predict, rowsAtLimit).json()).isEqualTo(referencePredictions);
        assertThat(postChunked(predict, rowsAtLimit).json()).isEqualTo(referencePredictions);
        assertProblem(postBytes(predict, rowsOverLimit), 413, "payload-too-large");
        assertProblem(postChunked(predict, rowsOverLimit), 413, "payload-too-large");
        assertProblem(postChunked(predict, paddedPredict(4 * MAX_REQUEST_BYTES)), 413, "payload-too-large");
    }

    /** The five reference rows as a predict request padded with spaces to exactly {@code size} bytes. */
    static byte[] paddedPredict(int size) {
        String start = "{\"instances\": " + JSON.writeValueAsString(FIVE_IRIS);
        return (start + " ".repeat(size - start.length() - 1) + "}").getBytes(StandardCharsets.US_ASCII);
    }

    /** A valid model definition padded with spaces to exactly {@code size} bytes. */
    static byte[] paddedModel(int size) {
        String start = "{\"inputWidth\": 2, \"layers\": [{\"units\": 1, \"activation\": \"linear\"}], \"loss\": \"squared_error\"";
        return (start + " ".repeat(size - start.length() - 1) + "}").getBytes(StandardCharsets.US_ASCII);
    }

    Reply postChunked(String path, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
    }

    /** Last: after every bad request above, the service answers and the reference model is as it was. */
    @Test
    @Order(Integer.MAX_VALUE)
    void afterAllTheBadInputTheServiceAnswersAndEarlierModelsAreIntact() {
        Reply health = get("/actuator/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asString()).isEqualTo("UP");
        assertThat(get("/models/" + reference).json()).isEqualTo(referenceBefore);
        assertThat(post("/models/" + reference + "/predict", obj("instances", FIVE_IRIS)).json()).isEqualTo(referencePredictions);
        for (String id : List.of(classes3, binary, regression)) {
            assertThat(get("/models/" + id).status()).isEqualTo(200);
        }
        // and it still learns
        JsonNode end = awaitEnd(train(obj("modelId", reference, "data", data(FIVE_IRIS, List.of(0, 1, 2, 2, 0)),
                "initialization", "continue", "epochs", 2)).get("id").asString(), Duration.ofSeconds(20));
        assertThat(end.get("version").asInt()).isEqualTo(2);
    }
}
